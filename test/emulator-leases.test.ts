/**
 * The emulator's Leases over real HTTPS: create/update/patch/delete with the apiserver's
 * optimistic concurrency (409 Conflict on a stale resourceVersion, 409 AlreadyExists), watch
 * events, RBAC on the service account and on impersonated users, and discovery. kubectl's view
 * of the same is in test/kubectl-conformance.test.ts.
 */
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/index.ts';

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: false });
}, 120_000);

afterAll(async () => {
  await emu?.close();
}, 60_000);

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; json: any }

function call(method: string, path: string, o: { token?: string; body?: unknown; contentType?: string; as?: string } = {}): Promise<Reply> {
  const u = new URL(path, emu.url);
  const headers: Record<string, string> = { Authorization: `Bearer ${o.token ?? 'podgate-token'}` };
  if (o.as) headers['Impersonate-User'] = o.as;
  const body = o.body === undefined ? undefined : JSON.stringify(o.body);
  if (body !== undefined) {
    headers['Content-Type'] = o.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, ca: emu.caPem ?? undefined, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/podgate/leases';
const lease = (name: string, holder: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, labels: { 'podgate.dev/user': 'alice' }, ...extra }, spec: { holderIdentity: holder, leaseDurationSeconds: 30 },
});

describe('leases', () => {
  it('create answers 201 with uid and resourceVersion; a second create is 409 AlreadyExists', async () => {
    const c = await call('POST', LEASES, { body: lease('a1', 'r1:1') });
    expect(c.status).toBe(201);
    expect(c.json.metadata).toMatchObject({ name: 'a1', namespace: 'podgate', uid: expect.any(String), resourceVersion: expect.stringMatching(/^\d+$/) });
    const again = await call('POST', LEASES, { body: lease('a1', 'r2:1') });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ reason: 'AlreadyExists', message: 'leases.coordination.k8s.io "a1" already exists', details: { name: 'a1', group: 'coordination.k8s.io', kind: 'leases' } });
  });

  it('update with the current resourceVersion wins once; the loser of the race gets 409 Conflict', async () => {
    const c = await call('POST', LEASES, { body: lease('a2', 'r1:1') });
    const rv = c.json.metadata.resourceVersion as string;
    const first = await call('PUT', `${LEASES}/a2`, { body: lease('a2', 'r2:1', { resourceVersion: rv }) });
    expect(first.status).toBe(200);
    expect(Number(first.json.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
    expect(first.json.metadata.uid).toBe(c.json.metadata.uid);
    const second = await call('PUT', `${LEASES}/a2`, { body: lease('a2', 'r3:1', { resourceVersion: rv }) });
    expect(second.status).toBe(409);
    expect(second.json).toMatchObject({ reason: 'Conflict', code: 409, message: 'Operation cannot be fulfilled on leases.coordination.k8s.io "a2": the object has been modified; please apply your changes to the latest version and try again' });
    expect((await call('GET', `${LEASES}/a2`)).json.spec.holderIdentity).toBe('r2:1');
  });

  it('patches as merge, strategic merge and JSON patch; a stale resourceVersion in a patch is 409; bad values are 422', async () => {
    const c = await call('POST', LEASES, { body: lease('a3', 'r1:1') });
    const m = await call('PATCH', `${LEASES}/a3`, { body: { spec: { holderIdentity: 'r2:1' } }, contentType: 'application/merge-patch+json' });
    expect(m.json.spec).toEqual({ holderIdentity: 'r2:1', leaseDurationSeconds: 30 });
    const s = await call('PATCH', `${LEASES}/a3`, { body: { spec: { leaseDurationSeconds: null, renewTime: '2026-01-01T00:00:00.000000Z' } }, contentType: 'application/strategic-merge-patch+json' });
    expect(s.json.spec).toEqual({ holderIdentity: 'r2:1', renewTime: '2026-01-01T00:00:00.000000Z' });
    const j = await call('PATCH', `${LEASES}/a3`, { body: [{ op: 'test', path: '/spec/holderIdentity', value: 'r2:1' }, { op: 'replace', path: '/spec/holderIdentity', value: 'r3:1' }], contentType: 'application/json-patch+json' });
    expect(j.json.spec.holderIdentity).toBe('r3:1');
    const stale = await call('PATCH', `${LEASES}/a3`, { body: { metadata: { resourceVersion: c.json.metadata.resourceVersion }, spec: { holderIdentity: 'x' } }, contentType: 'application/merge-patch+json' });
    expect(stale.status).toBe(409);
    const bad = await call('PATCH', `${LEASES}/a3`, { body: { spec: { leaseDurationSeconds: 0 } }, contentType: 'application/merge-patch+json' });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toBe('Lease.coordination.k8s.io "a3" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0');
    const ssa = await call('PATCH', `${LEASES}/a3`, { body: {}, contentType: 'application/apply-patch+yaml' });
    expect(ssa.status).toBe(415);
  });

  it('delete honours a resourceVersion precondition, answers a Success Status, then 404', async () => {
    const c = await call('POST', LEASES, { body: lease('a4', 'r1:1') });
    const pre = await call('DELETE', `${LEASES}/a4`, { body: { preconditions: { resourceVersion: '1' } } });
    expect(pre.status).toBe(409);
    expect(pre.json.message).toBe(`Operation cannot be fulfilled on leases.coordination.k8s.io "a4": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${c.json.metadata.resourceVersion}`);
    const d = await call('DELETE', `${LEASES}/a4`, { body: { preconditions: { resourceVersion: c.json.metadata.resourceVersion } } });
    expect(d.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'a4', group: 'coordination.k8s.io', kind: 'leases', uid: c.json.metadata.uid } });
    expect((await call('DELETE', `${LEASES}/a4`)).status).toBe(404);
  });

  it('watch streams ADDED for what exists, then MODIFIED and DELETED, filtered by label', async () => {
    await call('POST', LEASES, { body: lease('w1', 'r1:1') });
    const u = new URL(`${LEASES}?watch=true&labelSelector=podgate.dev%2Fuser%3Dalice&timeoutSeconds=20`, emu.url);
    const events: { type: string; name: string; holder: string }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, headers: { Authorization: 'Bearer podgate-token' }, ca: emu.caPem ?? undefined, agent: false }, (res) => {
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const e = JSON.parse(buf.slice(0, i)) as { type: string; object: { metadata: { name: string }; spec: { holderIdentity: string } } };
            buf = buf.slice(i + 1);
            if (e.object.metadata.name.startsWith('w')) events.push({ type: e.type, name: e.object.metadata.name, holder: e.object.spec.holderIdentity });
            if (e.type === 'DELETED') { req.destroy(); resolve(); }
          }
        });
        res.on('error', () => undefined);
      });
      req.on('error', (err) => { if (events.at(-1)?.type !== 'DELETED') reject(err); });
      req.end();
    });
    while (events.length === 0) await new Promise((r) => setTimeout(r, 50));
    await call('POST', LEASES, { body: { ...lease('w2', 'r1:1'), metadata: { name: 'w2', labels: { other: 'x' } } } });
    await call('PATCH', `${LEASES}/w1`, { body: { spec: { holderIdentity: 'r2:1' } }, contentType: 'application/merge-patch+json' });
    await call('DELETE', `${LEASES}/w1`);
    await done;
    expect(events).toEqual([
      { type: 'ADDED', name: 'w1', holder: 'r1:1' },
      { type: 'MODIFIED', name: 'w1', holder: 'r2:1' },
      { type: 'DELETED', name: 'w1', holder: 'r2:1' },
    ]);
  });

  it('RBAC: the service account may write leases in its namespace only; an impersonated user may not', async () => {
    const elsewhere = await call('POST', '/apis/coordination.k8s.io/v1/namespaces/prod/leases', { body: lease('x', 'r') });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json.message).toBe('leases.coordination.k8s.io is forbidden: User "system:serviceaccount:podgate:podgate" cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "prod"');
    const alice = await call('GET', LEASES, { as: 'alice' });
    expect(alice.status).toBe(403);
  });

  it('discovery lists leases with every verb, endpoints and endpointslices read-only', async () => {
    const gv = await call('GET', '/apis/coordination.k8s.io/v1');
    expect(gv.json.resources).toEqual([{ name: 'leases', singularName: 'lease', namespaced: true, kind: 'Lease', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] }]);
    const core = await call('GET', '/api/v1');
    expect(core.json.resources.find((r: { name: string }) => r.name === 'endpoints')).toMatchObject({ kind: 'Endpoints', shortNames: ['ep'], verbs: ['get', 'list'] });
    const disc = await call('GET', '/apis/discovery.k8s.io/v1/namespaces/podgate/endpointslices', { token: 'admin-token' });
    expect(disc.json.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['podgate-replicas-x7k2p']);
  });
});
