import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../audit/logger.ts';
import { tapEvents } from './event-tap.ts';
import { startMetricsServer, type MetricsServer } from './http-server.ts';
import { createMetrics } from './metrics.ts';

let server: MetricsServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('metrics from audit events', () => {
  it('counts what the logged events say, through the pino destination tap', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const lines: string[] = [];
    const logger = createLogger({ destination: tapEvents({ write: (s: string) => void lines.push(s) }, metrics.observe) });
    logger.info({ code: 'AUTH_ATTEMPT', method: 'publickey', result: 'rejected' });
    logger.info({ code: 'AUTH_ATTEMPT', method: 'publickey', result: 'accepted' });
    logger.info({ code: 'SESSION_START', sessionId: 's1' });
    logger.info({ code: 'SESSION_START', sessionId: 's2' });
    logger.info({ code: 'SESSION_END', sessionId: 's1', reason: 'exit', durationMs: 2500, bytesIn: 10, bytesOut: 300 });
    logger.info({ code: 'REAP', outcome: 'term', durationMs: 40 });
    logger.info({ code: 'SESSION_DENIED', errorCode: 'API_UNREACHABLE' });
    logger.warn({ code: 'KUBE_EXEC_WS_ERROR', message: 'socket hang up' });
    logger.info('not an event');
    expect(lines).toHaveLength(9);
    const text = await metrics.registry.metrics();
    expect(text).toContain('podgate_auth_attempts_total{method="publickey",result="rejected"} 1');
    expect(text).toContain('podgate_auth_attempts_total{method="publickey",result="accepted"} 1');
    expect(text).toContain('podgate_sessions_active 1');
    expect(text).toContain('podgate_sessions_total{reason="exit"} 1');
    expect(text).toContain('podgate_session_bytes_total{direction="out"} 300');
    expect(text).toContain('podgate_session_duration_seconds_sum 2.5');
    expect(text).toContain('podgate_reaps_total{outcome="term"} 1');
    expect(text).toContain('podgate_api_errors_total{code="API_UNREACHABLE"} 1');
    expect(text).toContain('podgate_api_errors_total{code="KUBE_EXEC_WS_ERROR"} 1');
    expect(metrics.apiReachable()).toBe(false);
  });

  it('serves /metrics, /healthz and /readyz, which turns 503 when shutting down', async () => {
    const metrics = createMetrics();
    metrics.setConnectionsSource(() => 3);
    let stopping = false;
    server = await startMetricsServer({
      listen: { host: '127.0.0.1', port: 0 },
      registry: metrics.registry,
      readiness: { sshListening: () => true, apiReachable: metrics.apiReachable, shuttingDown: () => stopping },
    });
    const base = `http://127.0.0.1:${server.address.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const body = await (await fetch(`${base}/metrics`)).text();
    expect(body).toContain('podgate_connections 3');
    expect(body).toContain('podgate_process_resident_memory_bytes');
    stopping = true;
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toContain('shutting down');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
