/**
 * The emulator's API-server side driven over real HTTPS and WebSocket by plain clients (node
 * https, ws): authentication, impersonation, RBAC denials, discovery, selectors, pod status,
 * access reviews, pods/log, the checks before an exec upgrade, the request log, faults and the
 * control surface. kubectl itself is in test/kubectl-conformance.test.ts.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/index.ts';

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
}, 120_000);

afterAll(async () => {
  await emu?.close();
}, 60_000);

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: () => any }

function call(method: string, path: string, o: { token?: string; headers?: Record<string, string | string[]>; body?: unknown } = {}): Promise<Reply> {
  const u = new URL(path, emu.url);
  const headers: Record<string, string | string[]> = { ...(o.headers ?? {}) };
  if (o.token !== undefined) headers.Authorization = `Bearer ${o.token}`;
  const body = o.body === undefined ? undefined : JSON.stringify(o.body);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, ca: emu.caPem ?? undefined, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const admin = (method: string, path: string, body?: unknown): Promise<Reply> => call(method, path, { token: 'admin-token', body });
const as = (user: string, groups: string[], path: string, method = 'GET', body?: unknown): Promise<Reply> =>
  call(method, path, { token: 'podgate-token', headers: { 'Impersonate-User': user, ...(groups.length ? { 'Impersonate-Group': groups } : {}) }, body });

const names = (r: Reply): string[] => r.json().items.map((p: { metadata: { name: string } }) => p.metadata.name).sort();

describe('authentication and discovery', () => {
  it('answers 401 with Kubernetes\' Status for a missing or unknown token', async () => {
    for (const r of [await call('GET', '/api/v1/pods'), await call('GET', '/api/v1/pods', { token: 'nope' })]) {
      expect(r.status).toBe(401);
      expect(r.json()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
  });

  it('serves /version as 1.33 and legacy discovery; unknown paths are 404 Status', async () => {
    expect((await admin('GET', '/version')).json().gitVersion).toMatch(/^v1\.33\.\d+$/);
    expect((await admin('GET', '/api')).json().versions).toEqual(['v1']);
    const core = (await admin('GET', '/api/v1')).json();
    expect(core.resources.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['pods', 'pods/exec', 'pods/log', 'pods/portforward', 'namespaces']));
    const groups = (await admin('GET', '/apis')).json().groups.map((g: { name: string }) => g.name);
    expect(groups).toEqual(expect.arrayContaining(['apps', 'batch', 'authorization.k8s.io']));
    const apps = (await admin('GET', '/apis/apps/v1')).json();
    expect(apps.resources.find((r: { name: string }) => r.name === 'deployments').shortNames).toEqual(['deploy']);
    const agg = await call('GET', '/apis', { token: 'admin-token', headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } });
    expect(agg.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const appsItem = agg.json().items.find((i: { metadata: { name?: string } }) => i.metadata.name === 'apps');
    expect(appsItem.versions[0].resources.find((r: { resource: string }) => r.resource === 'statefulsets')).toMatchObject({ scope: 'Namespaced', shortNames: ['sts'], responseKind: { kind: 'StatefulSet' } });
    const coreAgg = await call('GET', '/api', { token: 'admin-token', headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } });
    const pods = coreAgg.json().items[0].versions[0].resources.find((r: { resource: string }) => r.resource === 'pods');
    expect(pods.subresources.map((s: { subresource: string }) => s.subresource)).toEqual(expect.arrayContaining(['exec', 'log', 'portforward']));
    const nf = await admin('GET', '/api/v1/widgets');
    expect(nf.status).toBe(404);
    expect(nf.json().message).toBe('the server could not find the requested resource');
  });
});

describe('pods and workloads', () => {
  it('lists per namespace and across namespaces', async () => {
    const all = names(await admin('GET', '/api/v1/pods'));
    expect(all).toEqual(expect.arrayContaining(['web-7d9f', 'db-0', 'api-0', 'vault-0', 'tiny', 'multi']));
    expect(names(await admin('GET', '/api/v1/namespaces/staging/pods'))).toEqual(['api-0']);
    expect(names(await admin('GET', '/api/v1/namespaces'))).toEqual(expect.arrayContaining(['default', 'prod', 'staging', 'secret']));
  });

  it('filters with every label selector form and the supported field selectors', async () => {
    const sel = async (q: string): Promise<string[]> => names(await admin('GET', `/api/v1/namespaces/prod/pods?${q}`));
    const web = ['web-5d4c8b-q7m4z', 'web-5d4c8b-x2k9p'];
    expect(await sel('labelSelector=app%3Dweb')).toEqual(web);
    expect(await sel('labelSelector=app%3D%3Dweb')).toEqual(web);
    expect(await sel(`labelSelector=${encodeURIComponent('app in (web,db)')}`)).toEqual(['db-0', ...web]);
    expect(await sel(`labelSelector=${encodeURIComponent('app notin (web),app!=crashy,app')}`)).not.toEqual(expect.arrayContaining(['crashy', web[0]]));
    expect(await sel(`labelSelector=${encodeURIComponent('pod-template-hash,app=broken')}`)).toEqual(['broken-6f7c-zzzzz']);
    expect(await sel(`labelSelector=${encodeURIComponent('!pod-template-hash,app=db')}`)).toEqual(['db-0']);
    expect(await sel('fieldSelector=metadata.name%3Dtiny')).toEqual(['tiny']);
    expect(await sel('fieldSelector=status.phase%3D%3DPending')).toEqual(['pending-1']);
    expect(await sel('fieldSelector=status.phase!%3DRunning')).toEqual(['done-1', 'pending-1']);
    const bad = await admin('GET', '/api/v1/namespaces/prod/pods?fieldSelector=spec.bogus%3Dx');
    expect(bad.status).toBe(400);
    expect(bad.json().message).toBe('field label not supported: spec.bogus');
  });

  it('reports a realistic pod status and owner chain Deployment → ReplicaSet → Pod', async () => {
    const pod = (await admin('GET', '/api/v1/namespaces/prod/pods/web-5d4c8b-x2k9p')).json();
    expect(pod.kind).toBe('Pod');
    expect(pod.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(pod.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(pod.metadata.creationTimestamp).toMatch(/Z$/);
    expect(pod.spec.nodeName).toBeTruthy();
    expect(pod.status.phase).toBe('Running');
    expect(pod.status.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(pod.status.startTime).toBeTruthy();
    expect(pod.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');
    expect(pod.status.containerStatuses[0]).toMatchObject({ name: 'app', ready: true, restartCount: 0, started: true });
    expect(pod.status.containerStatuses[0].state.running.startedAt).toBeTruthy();
    const rs = (await admin('GET', '/apis/apps/v1/namespaces/prod/replicasets/web-5d4c8b')).json();
    const dep = (await admin('GET', '/apis/apps/v1/namespaces/prod/deployments/web')).json();
    expect(pod.metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', name: 'web-5d4c8b', uid: rs.metadata.uid, controller: true });
    expect(rs.metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: 'web', uid: dep.metadata.uid });
    expect(dep.status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect((await admin('GET', '/apis/apps/v1/namespaces/prod/deployments/broken')).json().status.readyReplicas).toBeUndefined();
    const broken = (await admin('GET', '/api/v1/namespaces/prod/pods/broken-6f7c-zzzzz')).json();
    expect(broken.status.phase).toBe('Running');
    expect(broken.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('False');
    const pending = (await admin('GET', '/api/v1/namespaces/prod/pods/pending-1')).json();
    expect(pending.status.containerStatuses[0].state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    const crashy = (await admin('GET', '/api/v1/namespaces/prod/pods/crashy')).json();
    expect(crashy.status.containerStatuses[0].restartCount).toBe(1);
    expect(crashy.status.containerStatuses[0].lastState.terminated.exitCode).toBe(1);
    const sts = (await admin('GET', '/apis/apps/v1/namespaces/prod/statefulsets/db')).json();
    expect(sts.spec.selector.matchLabels).toEqual({ app: 'db' });
    const job = (await admin('GET', '/apis/batch/v1/namespaces/prod/jobs/migrate')).json();
    expect(job.status.succeeded).toBe(1);
    const nf = await admin('GET', '/apis/apps/v1/namespaces/prod/deployments/nope');
    expect(nf.json()).toMatchObject({ message: 'deployments.apps "nope" not found', reason: 'NotFound', code: 404, details: { name: 'nope', group: 'apps', kind: 'deployments' } });
  });

  it('returns a meta.k8s.io Table when asked', async () => {
    const r = await call('GET', '/api/v1/namespaces/prod/pods?labelSelector=app%3Ddb', { token: 'admin-token', headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
    const t = r.json();
    expect(t.kind).toBe('Table');
    expect(t.columnDefinitions.slice(0, 5).map((c: { name: string }) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(t.rows[0].cells.slice(0, 4)).toEqual(['db-0', '1/1', 'Running', '0']);
    expect(t.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'db-0', namespace: 'prod' } });
  });
});

describe('impersonation and RBAC', () => {
  it('lets the bastion act as alice with her groups, and logs both identities', async () => {
    const r = await as('alice', ['dev'], '/api/v1/namespaces/prod/pods');
    expect(r.status).toBe(200);
    const log = (await emu.requests()).filter((e) => e.impersonatedUser === 'alice' && e.path === '/api/v1/namespaces/prod/pods');
    expect(log.at(-1)).toMatchObject({ user: 'system:serviceaccount:podgate:podgate', impersonatedGroups: ['dev', 'system:authenticated'], status: 200, method: 'GET' });
  });

  it('refuses impersonation the bastion was not granted, with the apiserver\'s message', async () => {
    const u = await as('eve', [], '/api/v1/namespaces/prod/pods');
    expect(u.status).toBe(403);
    expect(u.json()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
      message: 'users "eve" is forbidden: User "system:serviceaccount:podgate:podgate" cannot impersonate resource "users" in API group "" at the cluster scope',
      details: { name: 'eve', kind: 'users' },
    });
    const g = await as('alice', ['dev', 'system:masters'], '/api/v1/namespaces/prod/pods');
    expect(g.status).toBe(403);
    expect(g.json().message).toBe('groups "system:masters" is forbidden: User "system:serviceaccount:podgate:podgate" cannot impersonate resource "groups" in API group "" at the cluster scope');
    const m = await call('GET', '/api/v1/pods', { token: 'podgate-token', headers: { 'Impersonate-User': 'admin' } });
    expect(m.status).toBe(403);
  });

  it('denies by RBAC with the exact Forbidden text', async () => {
    const r = await as('alice', ['dev'], '/api/v1/namespaces/staging/pods');
    expect(r.status).toBe(403);
    expect(r.json().message).toBe('pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "staging"');
    const one = await as('mallory', [], '/api/v1/namespaces/prod/pods/db-0');
    expect(one.json()).toMatchObject({ code: 403, reason: 'Forbidden', details: { name: 'db-0', kind: 'pods' }, message: 'pods "db-0" is forbidden: User "mallory" cannot get resource "pods" in API group "" in the namespace "prod"' });
    const all = await as('alice', ['dev'], '/api/v1/pods');
    expect(all.json().message).toBe('pods is forbidden: User "alice" cannot list resource "pods" in API group "" at the cluster scope');
    expect((await as('bob', [], '/api/v1/namespaces/staging/pods')).status).toBe(200);
    expect((await as('carol', [], '/api/v1/namespaces/prod/pods/db-0')).status).toBe(200);
    expect((await as('alice', ['dev'], '/apis/apps/v1/namespaces/prod/deployments/web')).status).toBe(200);
  });
});

describe('access reviews', () => {
  const ra = { namespace: 'prod', verb: 'create', group: '', resource: 'pods', subresource: 'exec', name: 'web-5d4c8b-x2k9p' };
  it('answers SubjectAccessReview with Kubernetes\' shape', async () => {
    const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'alice', groups: ['dev', 'system:authenticated'], resourceAttributes: ra } };
    const yes = await call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { token: 'podgate-token', body });
    expect(yes.status).toBe(201);
    expect(yes.json()).toMatchObject({ kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: body.spec, status: { allowed: true } });
    expect(yes.json().status.reason).toMatch(/^RBAC: allowed by RoleBinding "alice-shell\/prod" of ClusterRole "pod-shell" to User "alice"$/);
    const no = await call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { token: 'podgate-token', body: { ...body, spec: { ...body.spec, user: 'mallory', groups: [] } } });
    expect(no.json().status).toEqual({ allowed: false });
    const carol = await call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { token: 'podgate-token', body: { ...body, spec: { user: 'carol', resourceAttributes: { ...ra, verb: 'get', subresource: '' } } } });
    expect(carol.json().status.allowed).toBe(true);
    const invalid = await call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { token: 'podgate-token', body: { ...body, spec: { resourceAttributes: ra } } });
    expect(invalid.status).toBe(422);
    expect(invalid.json().message).toBe('SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');
    const denied = await as('alice', ['dev'], '/apis/authorization.k8s.io/v1/subjectaccessreviews', 'POST', body);
    expect(denied.json().message).toBe('subjectaccessreviews.authorization.k8s.io is forbidden: User "alice" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope');
  });

  it('answers SelfSubjectAccessReview for the impersonated user, and LocalSubjectAccessReview per namespace', async () => {
    const ssar = (user: string, attrs: object): Promise<Reply> => as(user, [], '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', 'POST',
      { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attrs } });
    expect((await ssar('alice', ra)).json().status.allowed).toBe(true);
    expect((await ssar('alice', { ...ra, verb: 'get' })).json().status.allowed).toBe(true);
    expect((await ssar('alice', { ...ra, namespace: 'staging' })).json().status.allowed).toBe(false);
    expect((await ssar('mallory', ra)).json().status.allowed).toBe(false);
    expect((await ssar('carol', ra)).json().status.allowed).toBe(false);
    const lsar = (ns: string, attrs: object): Promise<Reply> => admin('POST', `/apis/authorization.k8s.io/v1/namespaces/${ns}/localsubjectaccessreviews`,
      { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'bob', resourceAttributes: attrs } });
    expect((await lsar('staging', { ...ra, namespace: 'staging' })).json()).toMatchObject({ metadata: { namespace: 'staging' }, status: { allowed: true } });
    const mismatch = await lsar('staging', ra);
    expect(mismatch.status).toBe(422);
    expect(mismatch.json().message).toContain('spec.resourceAttributes.namespace: Invalid value: "prod": must match metadata.namespace');
  });
});

describe('pods/log', () => {
  const logPath = (ns: string, pod: string, q = ''): string => `/api/v1/namespaces/${ns}/pods/${pod}/log${q}`;
  it('validates options with 422 and reports kubelet states with 400', async () => {
    const v = await admin('GET', logPath('default', 'web-7d9f', '?tailLines=-1'));
    expect(v.status).toBe(422);
    expect(v.json().message).toBe('PodLogOptions "web-7d9f" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0');
    expect((await admin('GET', logPath('default', 'web-7d9f', '?limitBytes=0'))).json().message).toBe('PodLogOptions "web-7d9f" is invalid: limitBytes: Invalid value: 0: must be greater than 0');
    expect((await admin('GET', logPath('default', 'web-7d9f', '?sinceSeconds=0'))).json().message).toBe('PodLogOptions "web-7d9f" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0');
    expect((await admin('GET', logPath('default', 'web-7d9f', '?sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z'))).json().message).toContain('at most one of `sinceTime` or `sinceSeconds` may be specified');
    const p = await admin('GET', logPath('prod', 'pending-1'));
    expect(p.status).toBe(400);
    expect(p.json().message).toBe('container "app" in pod "pending-1" is waiting to start: ContainerCreating');
    expect((await admin('GET', logPath('default', 'web-7d9f', '?previous=true'))).json().message).toBe('previous terminated container "app" in pod "web-7d9f" not found');
    expect((await admin('GET', logPath('prod', 'multi'))).json().message).toBe('a container name must be specified for pod multi, choose one of: [sidecar main]');
    expect((await admin('GET', logPath('prod', 'multi', '?container=nope'))).json().message).toBe('container nope is not valid for pod multi');
    expect((await admin('GET', logPath('prod', 'nope'))).status).toBe(404);
    expect((await as('carol', [], logPath('prod', 'db-0'))).json().message).toBe('pods "db-0" is forbidden: User "carol" cannot get resource "pods/log" in API group "" in the namespace "prod"');
  });

  it('serves previous, tailLines, timestamps and limitBytes', async () => {
    const prev = await admin('GET', logPath('prod', 'crashy', '?previous=1'));
    expect(prev.status).toBe(200);
    expect(prev.text).toContain('fatal: config key "db.url" missing');
    await until(async () => (await admin('GET', logPath('default', 'web-7d9f'))).text.split('\n').length > 4);
    const tail = (await admin('GET', logPath('default', 'web-7d9f', '?tailLines=2'))).text;
    expect(tail).toMatch(/^web-7d9f log line \d+\nweb-7d9f log line \d+\n$/);
    const ts = (await admin('GET', logPath('default', 'web-7d9f', '?tailLines=1&timestamps=true'))).text;
    expect(ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z web-7d9f log line \d+\n$/);
    expect((await admin('GET', logPath('default', 'web-7d9f', '?limitBytes=5'))).text).toBe('web-7');
    expect((await admin('GET', logPath('default', 'web-7d9f', '?tailLines=0'))).text).toBe('');
  });

  it('follows chunked, line by line, until the client goes away, and logs the close', async () => {
    const u = new URL(logPath('default', 'web-7d9f', '?follow=true&tailLines=0'), emu.url);
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, headers: { Authorization: 'Bearer admin-token' }, ca: emu.caPem ?? undefined }, (res) => {
        expect(res.headers['transfer-encoding']).toBe('chunked');
        res.on('data', (c: Buffer) => {
          lines.push(...c.toString().split('\n').filter(Boolean));
          if (lines.length >= 2) { req.destroy(); resolve(); }
        });
        res.on('error', () => undefined);
      });
      req.on('error', (e) => { if (lines.length < 2) reject(e); });
      req.end();
    });
    expect(lines[0]).toMatch(/^web-7d9f log line \d+$/);
    await until(async () => (await emu.requests()).some((e) => e.path.endsWith('/web-7d9f/log') && e.query.includes('follow=true') && e.closedAt !== undefined));
  });
});

function wsStatus(path: string, token: string, protocols: string[]): Promise<{ status: number; body: string; protocol?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(new URL(path, emu.url.replace(/^http/, 'ws')).toString(), protocols, { headers: { Authorization: `Bearer ${token}` }, ca: emu.caPem ?? undefined });
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    ws.on('open', () => { const protocol = ws.protocol; ws.close(); resolve({ status: 101, body: '', protocol }); });
    ws.on('error', () => undefined);
  });
}

describe('pods/exec before the upgrade', () => {
  const exec = (ns: string, pod: string, q: string): string => `/api/v1/namespaces/${ns}/pods/${pod}/exec?${q}`;
  const v5 = ['v5.channel.k8s.io'];
  it('returns 404, 400 and 403 exactly as the apiserver does', async () => {
    const nf = await wsStatus(exec('prod', 'nope', 'command=true&stdout=1'), 'admin-token', v5);
    expect(nf.status).toBe(404);
    expect(JSON.parse(nf.body)).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'pods' }, code: 404 });
    const bad = await wsStatus(exec('prod', 'db-0', 'command=true&stdout=1&container=c'), 'admin-token', v5);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toBe('container c is not valid for pod db-0');
    const multi = await wsStatus(exec('prod', 'multi', 'command=true&stdout=1'), 'admin-token', v5);
    expect(JSON.parse(multi.body).message).toBe('a container name must be specified for pod multi, choose one of: [sidecar main]');
    const none = await wsStatus(exec('prod', 'db-0', 'command=true&stdout=false&stderr=0'), 'admin-token', v5);
    expect(JSON.parse(none.body).message).toBe('you must specify at least 1 of stdin, stdout, stderr');
    const sa = await wsStatus(exec('prod', 'db-0', 'command=true&stdout=1'), 'podgate-token', v5);
    expect(sa.status).toBe(403);
    expect(JSON.parse(sa.body).message).toBe('pods "db-0" is forbidden: User "system:serviceaccount:podgate:podgate" cannot get resource "pods/exec" in API group "" in the namespace "prod"');
    const plain = await admin('GET', exec('prod', 'db-0', 'command=true&stdout=1'));
    expect(plain.status).toBe(400);
    expect(plain.json().message).toBe('Upgrade request required');
  });

  it('authorizes a WebSocket exec as get on pods/exec, as a 1.33 API server does (the 1.35 create check: test/rbac-create-only.test.ts)', async () => {
    const r = await new Promise<{ status: number; body: string }>((resolve) => {
      const ws = new WebSocket(new URL(exec('prod', 'db-0', 'command=true&stdout=1'), emu.url.replace(/^http/, 'ws')).toString(), v5,
        { headers: { Authorization: 'Bearer podgate-token', 'Impersonate-User': 'carol' }, ca: emu.caPem ?? undefined });
      ws.on('unexpected-response', (_q, res) => { let b = ''; res.on('data', (c: Buffer) => { b += c.toString(); }); res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b })); });
      ws.on('error', () => undefined);
    });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).message).toBe('pods "db-0" is forbidden: User "carol" cannot get resource "pods/exec" in API group "" in the namespace "prod"');
    const dave = await new Promise<{ status: number; body: string }>((resolve) => {
      const ws = new WebSocket(new URL(exec('prod', 'db-0', 'command=true&stdout=1'), emu.url.replace(/^http/, 'ws')).toString(), v5,
        { headers: { Authorization: 'Bearer admin-token', 'Impersonate-User': 'dave' }, ca: emu.caPem ?? undefined });
      ws.on('unexpected-response', (_q, res) => { let b = ''; res.on('data', (c: Buffer) => { b += c.toString(); }); res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b })); });
      ws.on('open', () => { ws.close(); resolve({ status: 101, body: '' }); });
      ws.on('error', () => undefined);
    });
    expect(dave.status).toBe(101);
  });

  it('answers a SPDY attempt with the same errors, and a protocol it cannot negotiate as the kubelet does', async () => {
    const spdy = (pod: string, proto: string): Promise<Reply> => call('POST', exec('prod', pod, 'command=true&stdout=true'), { token: 'admin-token', headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': proto } });
    const nf = await spdy('nope', 'v4.channel.k8s.io');
    expect(nf.status).toBe(404);
    expect(nf.json().message).toBe('pods "nope" not found');
    const bad = await spdy('db-0', 'v9.channel.k8s.io');
    expect(bad.status).toBe(403);
    expect(bad.text).toBe('unable to upgrade: unable to negotiate protocol: client supports [v9.channel.k8s.io], server accepts [v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]\n');
  });

  it('hands v5 to the API-server path and older protocols to the kubelet path, and logs the protocol', async () => {
    expect((await wsStatus(exec('prod', 'db-0', 'command=true&stdout=1'), 'admin-token', ['v5.channel.k8s.io', 'v4.channel.k8s.io'])).protocol).toBe('v5.channel.k8s.io');
    expect((await wsStatus(exec('prod', 'db-0', 'command=true&stdout=1'), 'admin-token', ['v4.channel.k8s.io'])).protocol).toBe('v4.channel.k8s.io');
    const entries = (await emu.requests()).filter((e) => e.path === '/api/v1/namespaces/prod/pods/db-0/exec' && e.status === 101);
    expect(entries.map((e) => e.protocol)).toEqual(expect.arrayContaining(['v5.channel.k8s.io', 'v4.channel.k8s.io']));
    await until(async () => (await emu.requests()).filter((e) => e.path === '/api/v1/namespaces/prod/pods/db-0/exec' && e.status === 101).every((e) => e.closedAt !== undefined));
    const v3 = await wsStatus(exec('prod', 'db-0', 'command=true&stdout=1&probe=v3'), 'admin-token', ['v3.channel.k8s.io']);
    const logged = (await emu.requests()).find((e) => e.query.includes('probe=v3'));
    expect(v3.status).not.toBe(101);
    expect(logged?.status).toBe(v3.status);
    expect(logged?.protocol).toBeUndefined();
  });
});

describe('control surface and faults', () => {
  it('lists live processes of a container, over the API and over HTTP', async () => {
    const ps = await emu.processes('prod', 'db-0', 'db');
    expect(ps.some((p) => p.args.includes('socat'))).toBe(true);
    const r = await fetchControl('GET', '/_emulator/processes?namespace=default&pod=web-7d9f&container=app');
    expect(r.status).toBe(200);
    expect(r.json().some((p: { args: string }) => p.args.includes('web-7d9f log line'))).toBe(true);
    const log = await fetchControl('GET', '/_emulator/requests');
    expect(Array.isArray(log.json())).toBe(true);
  });

  it('drops exec streams after N ms, leaving the process running as containerd would', async () => {
    emu.fault({ dropExecAfterMs: 300 });
    try {
      const url = new URL('/api/v1/namespaces/prod/pods/db-0/exec?command=sleep&command=4242&stdout=1', emu.url.replace(/^http/, 'ws')).toString();
      const closed = await new Promise<boolean>((resolve) => {
        const ws = new WebSocket(url, ['v5.channel.k8s.io'], { headers: { Authorization: 'Bearer admin-token' }, ca: emu.caPem ?? undefined });
        const timer = setTimeout(() => { ws.terminate(); resolve(false); }, 15_000);
        ws.on('close', () => { clearTimeout(timer); resolve(true); });
        ws.on('error', () => undefined);
      });
      expect(closed).toBe(true);
      expect((await emu.processes('prod', 'db-0', 'db')).some((p) => p.args === 'sleep 4242')).toBe(true);
    } finally {
      emu.fault({ dropExecAfterMs: 0 });
    }
  });

  it('fails the next N matching requests with the given status', async () => {
    emu.fault({ failNext: { count: 2, status: 503, pathPattern: '/namespaces/prod/pods$' } });
    expect((await admin('GET', '/api/v1/namespaces/default/pods')).status).toBe(200);
    expect((await admin('GET', '/api/v1/namespaces/prod/pods')).status).toBe(503);
    expect((await admin('GET', '/api/v1/namespaces/prod/pods')).json().reason).toBe('ServiceUnavailable');
    expect((await admin('GET', '/api/v1/namespaces/prod/pods')).status).toBe(200);
  });

  it('adds latency and refuses connections on demand (also over HTTP)', async () => {
    const set = await fetchControl('POST', '/_emulator/fault', { latencyMs: 300 });
    expect(set.status).toBe(200);
    const t0 = Date.now();
    await admin('GET', '/version');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    emu.fault({ latencyMs: 0, refuseConnections: true });
    await expect(admin('GET', '/version')).rejects.toThrow();
    emu.fault({ refuseConnections: false });
    expect((await admin('GET', '/version')).status).toBe(200);
  });
});

function fetchControl(method: string, path: string, body?: unknown): Promise<Reply> {
  return call(method, path, { body });
}

async function until(cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

describe('main.ts run alone', () => {
  it('serves plain HTTP when asked, prints its URL, and kills every container process on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts', '--fixture', 'src/emulator/fixtures/demo.yaml', '--no-tls', '--control'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no URL line: ${out}`)), 60_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) { clearTimeout(timer); resolve((JSON.parse(line) as { url: string }).url); }
        });
        child.on('error', reject);
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const get = async (path: string, token?: string): Promise<{ status: number; body: any }> => {
        const r = await fetch(`${url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
        return { status: r.status, body: await r.json() };
      };
      expect((await get('/api/v1/namespaces/shop/pods', 'demo-admin-token')).body.items).toHaveLength(3);
      const ps = (await get('/_emulator/processes?namespace=default&pod=web-7d9f&container=app')).body as { pid: number }[];
      expect(ps.length).toBeGreaterThan(0);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // Dead means gone or a zombie (whoever inherits orphans here may reap them late).
      const alive = (pid: number): boolean => {
        try { return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
      };
      expect(ps.filter((p) => alive(p.pid))).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
