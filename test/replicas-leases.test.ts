/**
 * SessionLeases against the emulator over HTTPS with podgate's service-account token: a
 * detached session becomes a Lease (holder, labels, duration), is renewed, found by id and by
 * user, withdrawn, recognised as stale when its holder stops renewing, and swept at restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { createKubeApi, type KubeClient } from '../src/kube/index.ts';
import { SessionLeases } from '../src/replicas/session-leases.ts';

let emu: Emulator;
let dir: string;
let kube: KubeClient;
const lines: Record<string, unknown>[] = [];
const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  dir = mkdtempSync(join(tmpdir(), 'podgate-replica-leases-'));
  emu.writeKubeconfig(join(dir, 'kc'), { token: 'podgate-token' });
  kube = createKubeApi({ kubeconfig: join(dir, 'kc'), requestTimeoutMs: 10_000 });
}, 120_000);

afterAll(async () => {
  kube?.close();
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const until = async <T>(f: () => Promise<T>, ok: (v: T) => boolean): Promise<T> => {
  const end = Date.now() + 15_000;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('session leases', () => {
  it('publishes a detached session as a Lease, renews it, finds it by id and by user, and withdraws it', async () => {
    const a = new SessionLeases({ api: kube, namespace: 'podgate', advertise: '10.0.0.1:7022', logger });
    a.publish({ id: 'Ab12cd', user: 'alice', target: 'web-7d9f.prod+app', cluster: 'default', namespace: 'prod', pod: 'web-7d9f', container: 'app', startedAt: '2026-12-04T15:00:00.000Z', graceSeconds: 3, state: 'detached' });
    const found = await until(() => a.find('Ab12cd'), (f) => f !== null);
    expect(found).toMatchObject({ id: 'Ab12cd', holder: '10.0.0.1:7022', user: 'alice', target: 'web-7d9f.prod+app', cluster: 'default', namespace: 'prod', pod: 'web-7d9f', container: 'app', startedAt: '2026-12-04T15:00:00.000Z', stale: false });
    expect(found?.lease).toMatchObject({ name: 'podgate-session-ab12cd', leaseDurationSeconds: 3, labels: { 'podgate.dev/user': 'alice', 'app.kubernetes.io/managed-by': 'podgate' } });
    // Renewed every second (a third of 3 s): the renewTime moves on.
    const renewed = await until(() => a.find('Ab12cd'), (f) => f !== null && f.lease.renewTime !== found?.lease.renewTime);
    expect(renewed?.lease.renewTime).not.toBe(found?.lease.renewTime);
    expect((await a.listForUser('alice')).map((f) => f.id)).toEqual(['Ab12cd']);
    expect(await a.listForUser('bob')).toEqual([]);
    a.withdraw('Ab12cd');
    expect(await until(() => a.find('Ab12cd'), (f) => f === null)).toBeNull();
    expect(lines.filter((l) => l.code === 'REPLICA_LEASE_ERROR')).toEqual([]);
  });

  it('a live session: created attached, its state replaced on detach and attach (detached-at only while detached), deleted at the end', async () => {
    const a = new SessionLeases({ api: kube, namespace: 'podgate', advertise: '10.0.0.5:7022', logger });
    const path = '/apis/coordination.k8s.io/v1/namespaces/podgate/leases';
    const writes = async (): Promise<string[]> => (await emu.requests())
      .filter((r) => r.method !== 'GET' && (r.path === path || r.path === `${path}/podgate-session-live1`)).map((r) => r.method);
    const before = (await writes()).length;
    a.publish({ id: 'live1', user: 'alice', target: 'web-7d9f.prod+app', cluster: 'default', namespace: 'prod', pod: 'web-7d9f', container: 'app', startedAt: '', graceSeconds: 30, state: 'attached' });
    // Changes right after the publish queue behind its create, in order.
    a.setState('live1', 'detached');
    a.setState('live1', 'attached');
    a.setState('live1', 'attached');
    const attached = await until(() => a.find('live1'), (f) => f !== null && f.lease.annotations?.['podgate.dev/state'] === 'attached' && (f.lease.resourceVersion ?? '') !== '');
    expect(attached).toMatchObject({ state: 'attached', detachedAt: '' });
    expect(attached?.lease.annotations).not.toHaveProperty(['podgate.dev/detached-at']);
    a.setState('live1', 'detached');
    const detached = await until(() => a.find('live1'), (f) => f?.state === 'detached');
    expect(detached?.detachedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    a.withdraw('live1');
    expect(await until(() => a.find('live1'), (f) => f === null)).toBeNull();
    // One create, a replace per state change (a repeated state writes nothing), one delete; no renewal within 10 s.
    expect((await writes()).slice(before)).toEqual(['POST', 'PUT', 'PUT', 'PUT', 'DELETE']);
    expect(lines.filter((l) => l.code === 'REPLICA_LEASE_ERROR')).toEqual([]);
  });

  it('a holder that stops renewing leaves a stale Lease, which the finder removes; a restart sweeps its own', async () => {
    const crashed = new SessionLeases({ api: kube, namespace: 'podgate', advertise: '10.0.0.2:7022', logger });
    crashed.publish({ id: 'zz9', user: 'alice', target: 'tiny.prod', cluster: 'default', namespace: 'prod', pod: 'tiny', container: 'sh', startedAt: '', graceSeconds: 60, state: 'detached' });
    crashed.publish({ id: 'zz8', user: 'alice', target: 'tiny.prod', cluster: 'default', namespace: 'prod', pod: 'tiny', container: 'sh', startedAt: '', graceSeconds: 60, state: 'detached' });
    await until(() => crashed.find('zz8'), (f) => f !== null);
    // What a later replica sees 31 s on: renewTime + 30 s (the cap) has passed.
    const later = new SessionLeases({ api: kube, namespace: 'podgate', advertise: '10.0.0.3:7022', logger, now: () => Date.now() + 31_000 });
    const f = await later.find('zz9');
    expect(f).toMatchObject({ holder: '10.0.0.2:7022', stale: true });
    await later.removeStale(f!);
    expect(await later.find('zz9')).toBeNull();
    expect(lines.find((l) => l.code === 'REPLICA_LEASE_STALE')).toMatchObject({ sessionId: 'zz9', holder: '10.0.0.2:7022' });
    // The same replica starting again (same advertise address) removes what its last run left.
    const restarted = new SessionLeases({ api: kube, namespace: 'podgate', advertise: '10.0.0.2:7022', logger });
    await restarted.sweepOwn();
    expect(await restarted.find('zz8')).toBeNull();
    await crashed.close();
  });

  it("a Lease an older replica wrote (no cluster annotation) reads as the default cluster's (cluster null)", async () => {
    const old = await kube.createLease('podgate', {
      name: 'podgate-session-old1', labels: { 'app.kubernetes.io/managed-by': 'podgate', 'podgate.dev/user': 'alice', 'podgate.dev/session': 'old1' },
      annotations: { 'podgate.dev/user': 'alice', 'podgate.dev/namespace': 'prod', 'podgate.dev/pod': 'tiny', 'podgate.dev/container': 'sh', 'podgate.dev/detached-at': new Date().toISOString() },
      holderIdentity: '10.0.0.9:7022', leaseDurationSeconds: 30, renewTime: new Date().toISOString().replace('Z', '000Z'),
    });
    expect(old.status).toBe('ok');
    const r = new SessionLeases({ api: kube, namespace: 'podgate', advertise: '10.0.0.4:7022', logger });
    expect(await r.find('old1')).toMatchObject({ id: 'old1', cluster: null, pod: 'tiny', stale: false });
    await kube.deleteLease('podgate', 'podgate-session-old1');
  });
});
