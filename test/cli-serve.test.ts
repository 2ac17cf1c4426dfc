/**
 * `podgate serve` as operators run it, against the emulator: the health and metrics port
 * answers, the counters follow real OpenSSH sessions, readiness follows the API probe through
 * an outage and back with no session in between, and SIGTERM ends it cleanly (exit 0).
 *
 * The outage lasts API_DOWN_MS (default 30 s, as an operator would see a short API blip;
 * PODGATE_TEST_API_DOWN_MS shortens it) and the probe runs every PROBE_SECONDS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh, waitFor } from './helpers/ssh.ts';

let emulator: Emulator;
let podgate: Podgate;

const API_DOWN_MS = Number(process.env.PODGATE_TEST_API_DOWN_MS ?? 30_000);
const PROBE_SECONDS = 1;

beforeAll(async () => {
  emulator = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true });
  podgate = await startPodgate({ emulator, configPatch: { health: { apiProbeIntervalSeconds: PROBE_SECONDS } } });
}, 120_000);

afterAll(async () => {
  await podgate?.stop();
  await emulator?.close();
}, 60_000);

const metricsUrl = (path: string) => `http://127.0.0.1:${podgate.metricsPort}${path}`;

async function metric(name: string): Promise<number> {
  const text = await (await fetch(metricsUrl('/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

describe('podgate serve', () => {
  it('answers /healthz and /readyz once listening and the API probe answered', async () => {
    expect(podgate.metricsPort).not.toBeNull();
    const health = await fetch(metricsUrl('/healthz'));
    expect(health.status).toBe(200);
    await waitFor(async () => (await fetch(metricsUrl('/readyz'))).status === 200, '/readyz to answer 200', 30_000);
    const ready = await fetch(metricsUrl('/readyz'));
    expect(await ready.text()).toBe('ready\n');
    expect(podgate.logs().some((l) => l.code === 'API_PROBE' && l.ok === true)).toBe(true);
  });

  it('names what runs: the first log line, podgate_build_info and Node\'s standard metric names', async () => {
    const first = podgate.logs()[0];
    expect(first).toMatchObject({ code: 'STARTING', version: expect.stringMatching(/^\d+\.\d+\.\d+/), node: process.versions.node });
    expect(first?.commit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    const text = await (await fetch(metricsUrl('/metrics'))).text();
    expect(text).toContain(`podgate_build_info{version="${String(first?.version)}",commit="${String(first?.commit)}",node="${process.versions.node}"} 1`);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).toMatch(/^podgate_api_up 1$/m);
  });

  it('counts authentication attempts, sessions and bytes from real ssh sessions', async () => {
    const accepted = 'podgate_auth_attempts_total{method="publickey",result="accepted"}';
    const rejected = 'podgate_auth_attempts_total{method="publickey",result="rejected"}';
    const ended = 'podgate_sessions_total{reason="exit"}';
    const before = { accepted: await metric(accepted), rejected: await metric(rejected), ended: await metric(ended), out: await metric('podgate_session_bytes_total{direction="out"}') };

    const ok = await ssh(podgate, 'alice+web-7d9f', ['echo', 'hello-metrics'], { timeoutMs: 60_000 });
    expect(ok.stderr).toBe('');
    expect(ok.stdout.toString()).toBe('hello-metrics\n');
    expect(ok.code).toBe(0);
    const wrong = await ssh(podgate, 'alice+web-7d9f', ['true'], { key: podgate.strangerKey, timeoutMs: 60_000 });
    expect(wrong.code).toBe(255);

    await waitFor(async () => (await metric(ended)) >= before.ended + 1, 'sessions_total to count the session', 30_000);
    expect(await metric(accepted)).toBeGreaterThanOrEqual(before.accepted + 1);
    expect(await metric(rejected)).toBeGreaterThanOrEqual(before.rejected + 1);
    expect(await metric('podgate_session_bytes_total{direction="out"}')).toBeGreaterThanOrEqual(before.out + 'hello-metrics\n'.length);
    expect(await metric('podgate_sessions_active')).toBe(0);
    const text = await (await fetch(metricsUrl('/metrics'))).text();
    expect(text).toMatch(/^podgate_session_duration_seconds_count \d+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^podgate_connections \d+$/m);
  });

  it('/readyz turns 503 while the API is down and 200 by itself once it is back, with no session in between', async () => {
    await waitFor(async () => (await fetch(metricsUrl('/readyz'))).status === 200, '/readyz to be 200 before the outage', 30_000);
    const sessionsBefore = podgate.logs().filter((l) => l.code === 'SESSION_START' || l.code === 'AUTH_ATTEMPT').length;
    const downAt = Date.now();
    // The API server goes away: open connections die and new ones are refused for API_DOWN_MS.
    emulator.fault({ refuseConnections: true, refuseConnectionsMs: API_DOWN_MS, dropOpenConnections: true });
    await waitFor(async () => (await fetch(metricsUrl('/readyz'))).status === 503, '/readyz to turn 503', API_DOWN_MS);
    const notReady = await fetch(metricsUrl('/readyz'));
    const downSeenMs = Date.now() - downAt;
    expect(await notReady.text()).toContain('Kubernetes API unreachable');
    expect((await fetch(metricsUrl('/healthz'))).status).toBe(200);
    expect(await metric('podgate_api_up')).toBe(0);
    // Still down midway (when there is time to look).
    const mid = downAt + API_DOWN_MS / 2 - Date.now();
    if (mid > 0) {
      await new Promise((r) => setTimeout(r, mid));
      expect((await fetch(metricsUrl('/readyz'))).status).toBe(503);
    }
    await waitFor(async () => (await fetch(metricsUrl('/readyz'))).status === 200, '/readyz to come back by itself', API_DOWN_MS + 30_000);
    const upAfterMs = Date.now() - downAt;
    expect(upAfterMs).toBeGreaterThanOrEqual(API_DOWN_MS - 1000);
    expect(await metric('podgate_api_up')).toBe(1);
    // Nobody logged in: the probe alone brought readiness back.
    expect(podgate.logs().filter((l) => l.code === 'SESSION_START' || l.code === 'AUTH_ATTEMPT').length).toBe(sessionsBefore);
    const probes = podgate.logs().filter((l) => l.code === 'API_PROBE').slice(-2);
    expect(probes.map((l) => l.ok)).toEqual([false, true]);
    console.log(`API down ${API_DOWN_MS} ms: /readyz 503 after ${downSeenMs} ms, 200 again ${upAfterMs - API_DOWN_MS} ms after the API came back (probe every ${PROBE_SECONDS} s)`);
  }, API_DOWN_MS + 90_000);

  it('stops on SIGTERM: no new connections, exit status 0, shutdown logged', async () => {
    podgate.kill('SIGTERM');
    const code = await podgate.exited;
    expect(code).toBe(0);
    const codes = podgate.logs().map((l) => l.code);
    expect(codes).toContain('SIGNAL');
    expect(codes).toContain('SHUTDOWN');
    expect(codes.at(-1)).toBe('SHUTDOWN_DONE');
    const after = await ssh(podgate, 'alice+web-7d9f', ['true'], { timeoutMs: 30_000 });
    expect(after.code).toBe(255);
  });
});

describe('podgate serve: a second signal during the shutdown grace', () => {
  it('stops at once with exit status 130 while a session would still have time', async () => {
    const second = await startPodgate({ emulator, configPatch: { limits: { shutdownGraceSeconds: 120 } } });
    try {
      const session = ssh(second, 'alice+web-7d9f', ['sleep', '300'], { timeoutMs: 120_000 });
      await waitFor(() => second.logs().some((l) => l.code === 'SESSION_START'), 'the session to start', 60_000);
      second.kill('SIGTERM');
      await waitFor(() => second.logs().some((l) => l.code === 'SIGNAL'), 'podgate to see SIGTERM', 30_000);
      second.kill('SIGTERM');
      expect(await second.exited).toBe(130);
      expect(second.logs().map((l) => l.code)).toContain('SHUTDOWN_FORCED');
      const ended = await session;
      expect(ended.timedOut).toBe(false);
    } finally {
      await second.stop();
    }
  }, 180_000);
});
