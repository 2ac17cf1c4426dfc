/**
 * `podgate serve` as operators run it, against the emulator: the health and metrics port
 * answers, the counters follow real OpenSSH sessions, and SIGTERM ends it cleanly (exit 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh, waitFor } from './helpers/ssh.ts';

let emulator: Emulator;
let podgate: Podgate;

beforeAll(async () => {
  emulator = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true });
  podgate = await startPodgate({ emulator });
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
  it('answers /healthz and /readyz once listening', async () => {
    expect(podgate.metricsPort).not.toBeNull();
    const health = await fetch(metricsUrl('/healthz'));
    expect(health.status).toBe(200);
    const ready = await fetch(metricsUrl('/readyz'));
    expect(await ready.text()).toBe('ready\n');
    expect(ready.status).toBe(200);
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
    expect(text).toMatch(/^podgate_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^podgate_connections \d+$/m);
  });

  it('/readyz turns 503 after sessions saw the API unreachable, and 200 once it answers again', async () => {
    emulator.fault({ refuseConnections: true });
    try {
      const down = await ssh(podgate, 'alice+web-7d9f', ['true'], { timeoutMs: 60_000 });
      expect(down.stderr).toMatch(/^podgate: /);
      expect(down.code).toBe(255);
      const ready = await fetch(metricsUrl('/readyz'));
      expect(ready.status).toBe(503);
      expect(await ready.text()).toContain('Kubernetes API unreachable');
      expect((await fetch(metricsUrl('/healthz'))).status).toBe(200);
    } finally {
      emulator.fault({ refuseConnections: false });
    }
    const up = await ssh(podgate, 'alice+web-7d9f', ['true'], { timeoutMs: 60_000 });
    expect(up.code).toBe(0);
    expect((await fetch(metricsUrl('/readyz'))).status).toBe(200);
  });

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
