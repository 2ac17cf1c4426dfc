/**
 * The shipped monitoring (deploy/monitoring/): the Prometheus alert rules pass
 * `promtool check rules` and their own `promtool test rules` cases (promtool: Debian package
 * `prometheus`), and every metric the rules and the Grafana dashboard query is one podgate
 * exports under that exact name.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../src/metrics/metrics.ts';

const DIR = join(import.meta.dirname, '..', 'deploy', 'monitoring');
const run = promisify(execFile);

async function promtool(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: DIR, timeout: 60_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Every sample name podgate's /metrics can carry (histograms: _bucket, _sum, _count). */
async function exportedNames(): Promise<Set<string>> {
  const metrics = createMetrics();
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

const queried = (text: string) => new Set([...text.matchAll(/\b((?:podgate|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!));

describe('deploy/monitoring', () => {
  it('the alert rules pass promtool check rules', async () => {
    const r = await promtool('check', 'rules', 'podgate-alerts.yaml');
    expect(r.out).toContain('SUCCESS: 8 rules found');
    expect(r.code).toBe(0);
  });

  it('each alert fires on the series it is for (promtool test rules)', async () => {
    const r = await promtool('test', 'rules', 'podgate-alerts.test.yaml');
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('alerts cover sessions, auth failures, API errors, reap failures and readiness', () => {
    const doc = parse(readFileSync(join(DIR, 'podgate-alerts.yaml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const exprs = doc.groups.flatMap((g) => g.rules).map((r) => r.expr).join('\n');
    for (const m of ['podgate_sessions_total', 'podgate_auth_attempts_total', 'podgate_api_errors_total', 'podgate_reaps_total', 'podgate_ready', 'podgate_api_up']) expect(exprs).toContain(m);
  });

  it('queries only metrics podgate exports, under their exact names', async () => {
    const names = await exportedNames();
    const rules = readFileSync(join(DIR, 'podgate-alerts.yaml'), 'utf8');
    const dashboard = readFileSync(join(DIR, 'podgate-dashboard.json'), 'utf8');
    const dash = JSON.parse(dashboard) as { panels: { targets: { expr: string }[] }[] };
    const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    const used = new Set([...queried(rules), ...queried(exprs)]);
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) expect(names, `${name} is queried but podgate does not export it`).toContain(name);
    for (const name of ['podgate_sessions_active', 'podgate_build_info', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds']) expect(used).toContain(name);
  });
});
