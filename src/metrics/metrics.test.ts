import { afterEach, describe, expect, it } from 'vitest';
import type { LevelWithSilent } from 'pino';
import { createLogger } from '../audit/logger.ts';
import { EventBus } from '../events/bus.ts';
import { emit } from '../events/emit.ts';
import { startMetricsServer, type MetricsServer } from './http-server.ts';
import { LimitRefusals } from '../session/limit-refusal.ts';
import { createMetrics } from './metrics.ts';

let server: MetricsServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** A logger at `level` on its own bus, with metrics subscribed; the log lines it writes. */
function wired(level: LevelWithSilent) {
  const bus = new EventBus();
  const metrics = createMetrics({ defaultMetrics: false });
  metrics.subscribe(bus);
  const lines: string[] = [];
  const logger = createLogger({ level, bus, destination: { write: (s: string) => void lines.push(s) } });
  return { logger, metrics, lines };
}

const identity = { user: 'alice', groups: [] };
const where = { connId: 'c1', user: 'alice', identity, namespace: 'prod', pod: 'web', container: 'app', command: null, pty: false };

function emitSample(logger: ReturnType<typeof wired>['logger']): void {
  emit(logger, { code: 'AUTH_ATTEMPT', connId: 'c1', remoteAddress: '127.0.0.1', user: 'alice', method: 'publickey', result: 'rejected' });
  emit(logger, { code: 'AUTH_ATTEMPT', connId: 'c1', remoteAddress: '127.0.0.1', user: 'alice', method: 'publickey', result: 'accepted' });
  emit(logger, { code: 'SESSION_START', sessionId: 's1', ...where });
  emit(logger.child({ connId: 'c1' }), { code: 'SESSION_START', sessionId: 's2', ...where });
  emit(logger, { code: 'SESSION_END', sessionId: 's1', ...where, reason: 'exit', exitCode: 0, durationMs: 2500, bytesIn: 10, bytesOut: 300 });
  emit(logger, { code: 'REAP', sessionId: 's1', namespace: 'prod', pod: 'web', container: 'app', found: 1, pids: [7], outcome: 'term', durationMs: 40, reason: 'exit' });
  emit(logger, { code: 'SESSION_DENIED', connId: 'c1', user: 'alice', target: 'web', command: null, errorCode: 'API_UNREACHABLE', message: 'down' });
  emit(logger, { code: 'KUBE_EXEC_WS_ERROR', err: 'socket hang up' });
  emit(logger, { code: 'API_PROBE', ok: false, latencyMs: 3, errorCode: 'API_UNREACHABLE', message: 'ECONNREFUSED' });
}

/** The metrics text without the lines that cannot be equal across runs (none today; kept explicit). */
const comparable = async (m: ReturnType<typeof createMetrics>) => (await m.registry.metrics()).split('\n').filter((l) => !l.startsWith('#')).join('\n');

describe('metrics from audit events', () => {
  it('counts the events published on the bus', async () => {
    const { logger, metrics, lines } = wired('info');
    emitSample(logger);
    logger.info('not an event');
    // KUBE_* events are debug: counted, not logged at info.
    expect(lines).toHaveLength(9);
    const text = await metrics.registry.metrics();
    expect(text).toContain('podgate_auth_attempts_total{method="publickey",result="rejected"} 1');
    expect(text).toContain('podgate_auth_attempts_total{method="publickey",result="accepted"} 1');
    expect(text).toContain('podgate_sessions_active 1');
    expect(text).toContain('podgate_sessions_total{reason="exit"} 1');
    expect(text).toContain('podgate_session_bytes_total{direction="out"} 300');
    expect(text).toContain('podgate_session_duration_seconds_sum 2.5');
    expect(text).toContain('podgate_reaps_total{outcome="term"} 1');
    expect(text).toContain('podgate_api_errors_total{code="API_UNREACHABLE"} 2');
    expect(text).toContain('podgate_api_errors_total{code="KUBE_EXEC_WS_ERROR"} 1');
    expect(text).toContain('podgate_api_up 0');
    expect(text).toMatch(/podgate_build_info\{version="[^"]+",commit="[^"]+",node="[^"]+"\} 1/);
  });

  it('counts pre-authentication refusals, penalties, limit refusals and negotiation failures, with bounded labels', async () => {
    const { logger, metrics } = wired('silent');
    const at = { connId: 'c1', remoteAddress: '192.0.2.7' };
    emit(logger, { code: 'CONNECTION_REFUSED', ...at, reason: 'penalty', retryAfterSeconds: 30 });
    emit(logger, { code: 'CONNECTION_REFUSED', ...at, reason: 'penalty', retryAfterSeconds: 29 });
    emit(logger, { code: 'CONNECTION_REFUSED', ...at, reason: 'proxy-header-invalid', detail: 'attacker text\n' });
    emit(logger, { code: 'CONNECTION_REFUSED', ...at, reason: 'made-up reason' });
    emit(logger, { code: 'SOURCE_PENALISED', ...at, event: 'authfail', seconds: 5 });
    emit(logger, { code: 'SOURCE_PENALISED', ...at, event: 'crash', seconds: 90 });
    emit(logger, { code: 'SSH_NEGOTIATION_FAILED', ...at, remotePort: 5, clientVersion: 'SSH-2.0-x', category: 'cipher', clientOffer: ['aes192-cbc'], serverOffer: [] });
    emit(logger, { code: 'SSH_NEGOTIATION_FAILED', ...at, remotePort: 5, clientVersion: null, category: 'nonsense', clientOffer: [], serverOffer: [] });
    // LIMIT_REFUSED as the session code emits it: the first refusal at once, the rest in one event at the end.
    const refusals = new LimitRefusals(logger, { sessionId: 's1' });
    for (let i = 0; i < 5; i++) refusals.refuse('sftpMaxHandles', 64);
    refusals.refuse('maxEnvPerSession', 64);
    refusals.refuse('user-chosen name', 1);
    refusals.flush();
    const text = await metrics.registry.metrics();
    expect(text).toContain('podgate_connections_refused_total{reason="penalty"} 2');
    expect(text).toContain('podgate_connections_refused_total{reason="proxy-header-invalid"} 1');
    expect(text).toContain('podgate_connections_refused_total{reason="other"} 1');
    expect(text).toContain('podgate_sources_penalised_total{event="authfail"} 1');
    expect(text).toContain('podgate_sources_penalised_total{event="crash"} 1');
    expect(text).toContain('podgate_limit_refusals_total{limit="sftpMaxHandles"} 5');
    expect(text).toContain('podgate_limit_refusals_total{limit="maxEnvPerSession"} 1');
    expect(text).toContain('podgate_limit_refusals_total{limit="other"} 1');
    expect(text).toContain('podgate_negotiation_failures_total{category="cipher"} 1');
    expect(text).toContain('podgate_negotiation_failures_total{category="other"} 1');
    expect(text).not.toMatch(/made-up|attacker|user-chosen|nonsense|192\.0\.2\.7/);
  });

  it('counts recordings: ended with their bytes and drops, failed, deleted by rule', async () => {
    const { logger, metrics } = wired('silent');
    const rec = { sessionId: 's1', path: '/rec/s1.cast' };
    emit(logger, { code: 'RECORDING_END', ...rec, bytes: 1000, events: 10, droppedEvents: 3, durationMs: 5 });
    emit(logger, { code: 'RECORDING_END', ...rec, bytes: 500, events: 1, droppedEvents: 0, durationMs: 5 });
    emit(logger, { code: 'RECORDING_FAILED', ...rec, err: 'ENOSPC' });
    emit(logger, { code: 'RECORDING_DELETED', path: '/rec/a.cast', bytes: 1, reason: 'max-age', ageDays: 31 });
    emit(logger, { code: 'CONSOLE_COMMAND', connId: 'c1', user: 'alice', command: 'play', args: ['x'], result: 'ok' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('podgate_recordings_total{result="ended"} 2');
    expect(text).toContain('podgate_recordings_total{result="failed"} 1');
    expect(text).toContain('podgate_recording_bytes_total 1500');
    expect(text).toContain('podgate_recording_dropped_events_total 3');
    expect(text).toContain('podgate_recordings_deleted_total{reason="max-age"} 1');
    expect(text).toContain('podgate_console_commands_total{command="play",result="ok"} 1');
  });

  it('gives identical metrics at log levels info, warn and silent', async () => {
    const texts: string[] = [];
    const lineCounts: number[] = [];
    for (const level of ['info', 'warn', 'silent'] as const) {
      const { logger, metrics, lines } = wired(level);
      emitSample(logger);
      texts.push(await comparable(metrics));
      lineCounts.push(lines.length);
    }
    expect(lineCounts).toEqual([8, 1, 0]);
    expect(texts[1]).toBe(texts[0]);
    expect(texts[2]).toBe(texts[0]);
    expect(texts[0]).toContain('podgate_sessions_total{reason="exit"} 1');
  });

  it('writes each event once, at the catalogue level, with the child logger bindings', () => {
    const { logger, lines } = wired('debug');
    emit(logger.child({ connId: 'c9' }), { code: 'REAP', sessionId: 's', namespace: 'n', pod: 'p', container: 'c', found: 0, pids: [], outcome: 'failed', durationMs: 1, reason: 'exit' }, 'session reap failed');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'warn', code: 'REAP', connId: 'c9', outcome: 'failed', msg: 'session reap failed' });
  });

  it('serves /metrics with Node\'s standard names, /healthz and /readyz with reasons', async () => {
    const metrics = createMetrics();
    metrics.setConnectionsSource(() => 3);
    let ready = true;
    let alive = true;
    server = await startMetricsServer({
      listen: { host: '127.0.0.1', port: 0 },
      registry: metrics.registry,
      health: { ready: () => ({ ready, reasons: ready ? [] : ['shutting down'] }), notAlive: () => (alive ? null : 'event loop lag 9000 ms > 5000 ms') },
    });
    const base = `http://127.0.0.1:${server.address.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const body = await (await fetch(`${base}/metrics`)).text();
    expect(body).toContain('podgate_connections 3');
    expect(body).toMatch(/^process_resident_memory_bytes /m);
    expect(body).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(body).not.toContain('podgate_process_');
    ready = false;
    alive = false;
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toContain('shutting down');
    const notAlive = await fetch(`${base}/healthz`);
    expect(notAlive.status).toBe(503);
    expect(await notAlive.text()).toContain('event loop lag');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});

// Several clusters (docs/clusters.md).
describe('per-cluster metrics', () => {
  it('podgate_cluster_* follow probes, sessions and forwards by cluster; podgate_api_up is the default cluster\'s', async () => {
    const { logger, metrics } = wired('silent');
    emit(logger, { code: 'API_PROBE', ok: true, latencyMs: 1, cluster: 'home', isDefault: true });
    emit(logger, { code: 'API_PROBE', ok: false, latencyMs: 1, cluster: 'eu1', isDefault: false });
    emit(logger, { code: 'SESSION_START', sessionId: 's1', ...where, cluster: 'eu1' });
    emit(logger, { code: 'SESSION_START', sessionId: 's2', ...where, cluster: 'eu1' });
    emit(logger, { code: 'SESSION_END', sessionId: 's1', ...where, cluster: 'eu1', reason: 'access-expired', exitCode: 255, durationMs: 1, bytesIn: 0, bytesOut: 0 });
    emit(logger, { code: 'FORWARD_END', connId: 'c1', forwardId: 'f1', user: 'alice', host: 'localhost', port: 80, cluster: 'home', namespace: 'prod', pod: 'web', bytesIn: 1, bytesOut: 1, durationMs: 1, result: 'closed' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('podgate_api_up 1');
    expect(text).toContain('podgate_cluster_up{cluster="home"} 1');
    expect(text).toContain('podgate_cluster_up{cluster="eu1"} 0');
    expect(text).toContain('podgate_cluster_sessions_active{cluster="eu1"} 1');
    expect(text).toContain('podgate_cluster_sessions_total{cluster="eu1",reason="access-expired"} 1');
    expect(text).toContain('podgate_cluster_forwards_total{cluster="home"} 1');
  });
});
