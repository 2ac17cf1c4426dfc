/**
 * The shipped observability files (deploy/prometheus/podgate-rules.yaml and
 * deploy/grafana/podgate-dashboard.json): promtool (Debian `prometheus`) accepts the rules and
 * their unit tests pass; every dashboard query is valid PromQL; the dashboard's structure is
 * what Grafana imports; and every metric either file names exists in the /metrics of a real
 * `podgate serve` (or is Prometheus's own `up`), so renaming a metric breaks this test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RULES = join(ROOT, 'deploy/prometheus/podgate-rules.yaml');
const RULES_TEST = join(ROOT, 'deploy/prometheus/podgate-rules.test.yaml');
const DASHBOARD = join(ROOT, 'deploy/grafana/podgate-dashboard.json');

interface Rule { record?: string; alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface Target { expr?: string; refId?: string; datasource?: { type?: string; uid?: string } }
interface Panel { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; datasource?: { type?: string; uid?: string }; targets?: Target[] }

const rules = (parseYaml(readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { schemaVersion: number; uid: string; panels: Panel[]; templating: { list: Record<string, unknown>[] } };
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');
const dashboardExprs = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));

function promtool(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Grafana's template variables replaced by values PromQL parses (as Grafana does before sending). */
const concrete = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h').replace(/\$(job|instance)\b/g, '.*');

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: identifiers that are not functions, keywords,
 * label names (inside `{}` or a `by (...)` list), strings or durations.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w:.$])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    if (m[2] !== undefined || PROMQL_WORDS.has(m[1].toLowerCase())) continue;
    names.add(m[1]);
  }
  return [...names];
}

describe('metricNames (the extractor the coverage check relies on)', () => {
  it('finds selected metrics and skips functions, labels, keywords and durations', () => {
    expect(metricNames('sum by (job, le) (rate(podgate_x_total{job=~"a|b", code!="API_y"}[5m])) / on(job) group_left up > 0.5 and process_rss')).toEqual(['podgate_x_total', 'up', 'process_rss']);
    expect(metricNames('histogram_quantile(0.95, sum by (le) (rate(podgate_reap_duration_seconds_bucket[1h])))')).toEqual(['podgate_reap_duration_seconds_bucket']);
    expect(metricNames('podgate:auth_rejected:rate5m > 0.5')).toEqual(['podgate:auth_rejected:rate5m']);
  });
});

describe('Prometheus rules', () => {
  it('promtool is installed (Debian package prometheus; scripts/install-test-deps.sh)', () => {
    const r = promtool('--version');
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/^promtool, version \d+\.\d+/);
  });

  it('promtool check rules accepts the rule file, with every rule counted', () => {
    const r = promtool('check', 'rules', RULES);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('promtool test rules: the synthetic series fire (and do not fire) the alerts as stated', () => {
    const r = promtool('test', 'rules', RULES_TEST);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
    // Every alert has at least one unit test that expects it to fire.
    const tests = (parseYaml(readFileSync(RULES_TEST, 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests;
    const fired = new Set(tests.flatMap((t) => (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    for (const r of rules.filter((x) => x.alert)) expect(fired, `no test fires ${r.alert}`).toContain(r.alert);
  });

  it('every alert has a for:, a severity and a summary and description', () => {
    const alerts = rules.filter((r) => r.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    for (const a of alerts) {
      expect(a.for, a.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning', 'info'], a.alert).toContain(a.labels?.severity);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toBeTruthy();
    }
  });
});

describe('the chart\'s PrometheusRule (prometheusRule.enabled)', () => {
  const template = readFileSync(join(ROOT, 'chart/templates/prometheusrule.yaml'), 'utf8');

  it('embeds a byte-identical copy of the rule file (Helm reads only files inside the chart)', () => {
    expect(readFileSync(join(ROOT, 'chart/files/podgate-rules.yaml'), 'utf8')).toBe(readFileSync(RULES, 'utf8'));
    expect(template).toContain('{{- .Files.Get "files/podgate-rules.yaml" | nindent 2 }}');
  });

  it('renders, as Helm would, a spec whose groups are the rule file\'s', () => {
    // `nindent 2` = a newline, then every line of the file indented by two spaces.
    const rulesText = readFileSync(RULES, 'utf8');
    const spec = `spec:\n${rulesText.split('\n').map((l) => `  ${l}`).join('\n')}`;
    const rendered = parseYaml(spec) as { spec: { groups: unknown } };
    expect(rendered.spec.groups).toEqual((parseYaml(rulesText) as { groups: unknown }).groups);
    // Off by default: a cluster without the Prometheus Operator CRDs must still install the chart.
    expect((parseYaml(readFileSync(join(ROOT, 'chart/values.yaml'), 'utf8')) as { prometheusRule: { enabled: boolean } }).prometheusRule.enabled).toBe(false);
    expect(template.split('\n')[0]).toBe('{{- if .Values.prometheusRule.enabled }}');
  });
});

describe('Grafana dashboard', () => {
  it('is a dashboard model Grafana imports: schema version, uid, datasource variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    const ds = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) expect(v.datasource, String(v.name)).toEqual({ type: 'prometheus', uid: '${datasource}' });
  });

  it('has unique panel ids, sane grid positions, and every panel queries through the datasource variable', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(queryPanels.length).toBeGreaterThanOrEqual(15);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.gridPos.w * p.gridPos.h, p.title).toBeGreaterThan(0);
    }
    for (const p of queryPanels) {
      expect(p.title).toBeTruthy();
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      const refIds = p.targets!.map((t) => t.refId);
      expect(new Set(refIds).size, p.title).toBe(refIds.length);
      for (const t of p.targets!) {
        expect(t.expr?.trim(), p.title).toBeTruthy();
        expect(t.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      }
    }
  });

  it('every query is valid PromQL (promtool parses each as a recording rule)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podgate-dashboard-promql-'));
    try {
      const file = join(dir, 'dashboard-exprs.yaml');
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: dashboardExprs.map((e, i) => ({ record: `dashboard:expr:${i}`, expr: concrete(e) })) }] }));
      const r = promtool('check', 'rules', file);
      expect(r.status, r.out).toBe(0);
      expect(r.out).toContain(`SUCCESS: ${dashboardExprs.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('covers sessions, auth, API errors, reaps, readiness, bytes, memory, event loop and build info', () => {
    const used = new Set(dashboardExprs.flatMap((e) => metricNames(concrete(e))));
    for (const name of ['podgate_sessions_active', 'podgate_sessions_total', 'podgate_sessions_denied_total', 'podgate_auth_attempts_total', 'podgate_api_errors_total',
      'podgate_reaps_total', 'podgate_api_up', 'up', 'podgate_session_bytes_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds', 'podgate_build_info']) expect(used, name).toContain(name);
  });
});

describe('metric names against a running podgate', () => {
  let emulator: Emulator | undefined;
  let podgate: Podgate | undefined;
  const exposed = new Set<string>();

  beforeAll(async () => {
    emulator = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true });
    podgate = await startPodgate({ emulator });
    const res = await fetch(`http://127.0.0.1:${podgate.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    // `# TYPE name type` lists labelled counters too, before their first increment.
    for (const m of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
      exposed.add(m[1]);
      if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exposed.add(m[1] + s);
    }
  }, 120_000);

  afterAll(async () => {
    await podgate?.stop();
    await emulator?.close();
  }, 60_000);

  it('the scrape has podgate, process_ and nodejs_ metrics (the check below is not vacuous)', () => {
    for (const name of ['podgate_build_info', 'podgate_sessions_active', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds']) expect(exposed, name).toContain(name);
  });

  const known = (name: string) => exposed.has(name) || name === 'up' || recorded.has(name);

  it('every metric the rules name is exported by podgate (or is up, or a recording rule)', () => {
    const missing = rules.flatMap((r) => metricNames(r.expr).filter((n) => !known(n)).map((n) => `${r.alert ?? r.record}: ${n}`));
    expect(missing).toEqual([]);
  });

  it('every metric the dashboard queries is exported by podgate (or is up)', () => {
    const missing = queryPanels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(concrete(t.expr ?? '')).filter((n) => !known(n)).map((n) => `${p.title}: ${n}`)));
    expect(missing).toEqual([]);
  });
});
