/**
 * The shipped observability files (deploy/prometheus/podgate-rules.yaml and
 * deploy/grafana/podgate-dashboard.json): promtool (Debian `prometheus`) accepts the rules and
 * their unit tests pass; every dashboard query is valid PromQL; the dashboard's structure is
 * what Grafana imports; and every metric either file names exists in the /metrics of a real
 * `podgate serve` (or is Prometheus's own `up`), so renaming a metric breaks this test. A real
 * Prometheus (same Debian package) then scrapes that podgate with the rules loaded: every rule
 * evaluates cleanly, every dashboard query runs and the main panels have data after a real
 * OpenSSH session, and an API outage turns PodgateKubernetesApiUnreachable pending.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh, waitFor } from './helpers/ssh.ts';

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

/** A port that was free a moment ago (Prometheus cannot report the port it got for :0). */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

interface PromApi<T> { status: string; data: T; error?: string }

describe('against a real podgate serve, scraped by a real Prometheus', () => {
  let emulator: Emulator | undefined;
  let podgate: Podgate | undefined;
  let prometheus: ChildProcess | undefined;
  let promUrl = '';
  let promLog = '';
  let dir = '';
  const exposed = new Set<string>();
  const prom = async <T>(path: string): Promise<T> => {
    const body = (await (await fetch(`${promUrl}${path}`)).json()) as PromApi<T>;
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? body.status}`);
    return body.data;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true });
    podgate = await startPodgate({ emulator, configPatch: { health: { apiProbeIntervalSeconds: 1 } } });
    const res = await fetch(`http://127.0.0.1:${podgate.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    // `# TYPE name type` lists labelled counters too, before their first increment.
    for (const m of (await res.text()).matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
      exposed.add(m[1]);
      if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(m[1] + suffix);
    }

    dir = mkdtempSync(join(tmpdir(), 'podgate-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [RULES],
      scrape_configs: [{ job_name: 'podgate', static_configs: [{ targets: [`127.0.0.1:${podgate.metricsPort}`] }] }],
    }));
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      promUrl = `http://127.0.0.1:${port}`;
      const child = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, `data-${attempt}`)}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
      prometheus = child;
      child.stderr.setEncoding('utf8').on('data', (d: string) => (promLog += d));
      child.on('error', (err) => (promLog += String(err)));
      const up = await waitFor(async () => (child.exitCode !== null ? 'exited' : (await fetch(`${promUrl}/-/ready`).then((r) => r.ok, () => false)) ? 'ready' : null), 'Prometheus to be ready', 60_000).catch(() => 'timeout');
      if (up === 'ready') break;
      child.kill('SIGKILL');
      if (attempt === 3) throw new Error(`Prometheus did not start: ${promLog}`);
    }
  }, 180_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((done) => prometheus!.once('exit', done));
      prometheus.kill('SIGTERM');
      await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    await podgate?.stop();
    await emulator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('the scrape has podgate, process_ and nodejs_ metrics (the name checks below are not vacuous)', () => {
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

  it('Prometheus loads every rule and evaluates it without error', async () => {
    type Groups = { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    const loaded = await waitFor(async () => {
      const all = (await prom<Groups>('/api/v1/rules')).groups.flatMap((g) => g.rules);
      return all.length === rules.length && all.every((r) => r.health === 'ok') ? all : null;
    }, 'every rule evaluated with health ok', 60_000).catch(async () => (await prom<Groups>('/api/v1/rules')).groups.flatMap((g) => g.rules));
    expect(loaded.map((r) => `${r.name} ${r.health} ${r.lastError ?? ''}`.trim()).sort()).toEqual(rules.map((r) => `${r.alert ?? r.record} ok`).sort());
  }, 90_000);

  it('every dashboard query runs on the real data after real OpenSSH sessions, and the main panels have data', async () => {
    type Vector = { result: { metric: Record<string, string>; value: [number, string] }[] };
    const query = (e: string) => prom<Vector>(`/api/v1/query?query=${encodeURIComponent(e.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h').replaceAll('$job', 'podgate').replaceAll('$instance', '.*'))}`);
    const session = async () => {
      const run = await ssh(podgate!, 'alice+web-7d9f', ['echo', 'hello-dashboard'], { timeoutMs: 60_000 });
      expect(run.stdout.toString()).toBe('hello-dashboard\n');
      expect(run.code).toBe(0);
    };
    // A labelled counter appears with its first increment, so rate() sees an increase only from
    // the second session on: one session, wait until Prometheus has scraped it, then another.
    await session();
    await waitFor(async () => (await query('sum(podgate_sessions_total{job="podgate"})')).result.some((r) => Number(r.value[1]) >= 1), 'Prometheus to see the first session end', 60_000);
    await session();
    await waitFor(async () => (await query('sum(rate(podgate_sessions_total{job="podgate"}[1m]))')).result.some((r) => Number(r.value[1]) > 0), 'a rate over the second session end', 60_000);
    const mustHaveData = ['Scrape up', 'Kubernetes API (readiness)', 'Active sessions', 'SSH connections', 'Version', 'Session ends by reason', 'Auth attempts by result', 'Bytes relayed', 'Memory', 'Event-loop lag', 'Build info'];
    const empty: string[] = [];
    for (const p of queryPanels) {
      for (const t of p.targets ?? []) {
        const data = await query(t.expr ?? '');
        if (data.result.length === 0 && mustHaveData.includes(p.title)) empty.push(`${p.title} ${t.refId ?? ''}: ${t.expr ?? ''}`);
      }
    }
    expect(empty).toEqual([]);
    const version = await query('podgate_build_info{job="podgate"}');
    expect(version.result[0]?.metric).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), node: process.versions.node });
  }, 150_000);

  it('an API outage makes PodgateKubernetesApiUnreachable pending (it fires after its for: 2m), and it clears once the API is back', async () => {
    type Alerts = { alerts: { labels: Record<string, string>; state: string }[] };
    const apiAlert = async () => (await prom<Alerts>('/api/v1/alerts')).alerts.find((a) => a.labels.alertname === 'PodgateKubernetesApiUnreachable');
    expect(await apiAlert()).toBeUndefined();
    emulator!.fault({ refuseConnections: true, refuseConnectionsMs: 30_000, dropOpenConnections: true });
    const pending = await waitFor(apiAlert, 'the alert to be pending', 25_000);
    expect(pending).toMatchObject({ state: 'pending', labels: { severity: 'critical', job: 'podgate' } });
    await waitFor(async () => ((await apiAlert()) === undefined ? true : null), 'the alert to clear after the outage', 60_000);
  }, 120_000);
});
