/** The REST half on the wire: impersonation header lines, paths and queries, error mapping, timeouts. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, alice, headerLines, status, rejection, deadPort } from './testing/fake-api.ts';

let f: FakeApi;
beforeAll(async () => { f = await FakeApi.start(); });
afterAll(async () => { await f.close(); });
beforeEach(() => f.reset());

describe('REST', () => {
  it('impersonates with one Impersonate-Group line per group and the kubeconfig token', async () => {
    f.rest = (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({
      kind: 'Pod', metadata: { name: 'web', namespace: 'prod', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { containers: [{ name: 'app' }] },
    }));
    const pod = await f.api.getPod('prod', 'web', alice);
    expect(pod?.metadata?.name).toBe('web');
    expect(pod?.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const req = f.seen[0];
    expect(req.url.pathname).toBe('/api/v1/namespaces/prod/pods/web');
    expect(headerLines(req.rawHeaders, 'impersonate-user')).toEqual(['alice']);
    expect(headerLines(req.rawHeaders, 'impersonate-group')).toEqual(['dev', 'ops']);
    expect(headerLines(req.rawHeaders, 'authorization')).toEqual(['Bearer podgate-token']);
  });

  it('gives null for a missing pod and FORBIDDEN with the API message for 403', async () => {
    f.rest = (_req, res) => res.writeHead(404).end(status(404, 'pods "nope" not found'));
    expect(await f.api.getPod('prod', 'nope', alice)).toBeNull();
    f.rest = (_req, res) => res.writeHead(403).end(status(403, 'pods "web" is forbidden: User "alice" cannot get resource "pods"'));
    const err = await rejection(f.api.getPod('prod', 'web', alice));
    expect(err.code).toBe('FORBIDDEN');
    expect(err.userMessage).toContain('cannot get resource "pods"');
  });

  it('lists pods with selectors, in one namespace or all', async () => {
    f.rest = (_req, res) => res.writeHead(200).end(JSON.stringify({ items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] }));
    const pods = await f.api.listPods('prod', alice, { labelSelector: 'app=web,env in (a,b)', fieldSelector: 'status.phase=Running' });
    expect(pods.map((p) => p.metadata?.name)).toEqual(['a', 'b']);
    expect(f.seen[0].url.searchParams.get('labelSelector')).toBe('app=web,env in (a,b)');
    expect(f.seen[0].url.searchParams.get('fieldSelector')).toBe('status.phase=Running');
    await f.api.listPods(null, alice);
    expect(f.seen[1].url.pathname).toBe('/api/v1/pods');
  });

  it('reads workload selectors from apps/v1 and batch/v1, null when absent', async () => {
    f.rest = (req, res) => {
      if (req.url?.includes('/nope')) return res.writeHead(404).end(status(404, 'not found'));
      res.writeHead(200).end(JSON.stringify({ spec: { selector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 't', operator: 'Exists' }] } } }));
    };
    expect(await f.api.getWorkloadSelector('statefulset', 'prod', 'db', alice)).toBe('app=db,t');
    expect(f.seen[0].url.pathname).toBe('/apis/apps/v1/namespaces/prod/statefulsets/db');
    await f.api.getWorkloadSelector('job', 'prod', 'migrate', alice);
    expect(f.seen[1].url.pathname).toBe('/apis/batch/v1/namespaces/prod/jobs/migrate');
    expect(await f.api.getWorkloadSelector('deployment', 'prod', 'nope', alice)).toBeNull();
  });

  it('asks a SelfSubjectAccessReview as the identity', async () => {
    let body: { spec?: { resourceAttributes?: Record<string, string> } } = {};
    f.rest = (_req, res, b) => {
      body = JSON.parse(b) as typeof body;
      res.writeHead(201).end(JSON.stringify({ status: { allowed: false, reason: 'no RBAC rule' } }));
    };
    const r = await f.api.canI(alice, { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'prod', name: 'web' });
    expect(r).toEqual({ allowed: false, reason: 'no RBAC rule' });
    expect(f.seen[0].method).toBe('POST');
    expect(f.seen[0].url.pathname).toBe('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
    expect(headerLines(f.seen[0].rawHeaders, 'impersonate-group')).toEqual(['dev', 'ops']);
    expect(body.spec?.resourceAttributes).toEqual({ namespace: 'prod', verb: 'create', group: '', resource: 'pods', subresource: 'exec', name: 'web' });
  });

  it('shares one API request between identical calls in flight, not between identities', async () => {
    const pending: Array<() => void> = [];
    f.rest = (_req, res) => pending.push(() => res.writeHead(201).end(JSON.stringify({ status: { allowed: true } })));
    const check = { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'prod' };
    const calls = [...Array.from({ length: 10 }, () => f.api.canI(alice, check)), f.api.canI({ user: 'bob', groups: [] }, check)];
    await expect.poll(() => pending.length, { timeout: 5000 }).toBe(2);
    for (const answer of pending) answer();
    expect((await Promise.all(calls)).every((r) => r.allowed)).toBe(true);
    expect(f.seen.length).toBe(2);
    await f.api.canI(alice, check).catch(() => undefined); // a later call asks again
    expect(f.seen.length).toBe(3);
  });

  it('keeps a path prefix of the server URL (API behind a proxy path)', async () => {
    f.rest = (_req, res) => res.writeHead(404).end(status(404, 'not found'));
    const port = new URL(f.api.server).port;
    await f.client(`http://127.0.0.1:${port}/k8s/clusters/c-1/`).getPod('prod', 'web', alice);
    expect(f.seen[0].url.pathname).toBe('/k8s/clusters/c-1/api/v1/namespaces/prod/pods/web');
  });

  it('lists namespace names as podgate itself, with no impersonation header', async () => {
    f.rest = (_req, res) => res.writeHead(200).end(JSON.stringify({ items: [{ metadata: { name: 'prod' } }, { metadata: { name: 'default' } }] }));
    expect(await f.api.listNamespaceNames!()).toEqual(['default', 'prod']);
    expect(f.seen[0].url.pathname).toBe('/api/v1/namespaces');
    expect(headerLines(f.seen[0].rawHeaders, 'impersonate-user')).toEqual([]);
    expect(headerLines(f.seen[0].rawHeaders, 'impersonate-group')).toEqual([]);
    expect(headerLines(f.seen[0].rawHeaders, 'authorization')).toEqual(['Bearer podgate-token']);
  });

  it('retries once when a kept-alive socket dies under a request', async () => {
    const served = new WeakSet<object>();
    f.rest = (req, res) => {
      if (served.has(req.socket)) {
        req.socket.destroy(); // as a server that closed the idle connection at that instant
        return;
      }
      served.add(req.socket);
      res.writeHead(201).end(JSON.stringify({ status: { allowed: true } }));
    };
    const check = { verb: 'get', resource: 'pods', namespace: 'prod' };
    expect((await f.api.canI(alice, check)).allowed).toBe(true);
    expect((await f.api.canI(alice, check)).allowed).toBe(true);
    expect(f.seen.length).toBe(3); // two answered, one cut and retried
  });

  it('retries on a new connection when every pooled socket went stale (a burst after an idle spell)', async () => {
    const served = new WeakSet<object>();
    let cut = 0;
    f.rest = (req, res) => {
      if (served.has(req.socket)) {
        cut++;
        req.socket.destroy(); // the server timed out every idle connection at once
        return;
      }
      served.add(req.socket);
      // Answer slowly so that concurrent requests open several pooled connections.
      setTimeout(() => res.writeHead(201).end(JSON.stringify({ status: { allowed: true } })), 30);
    };
    const checks = ['a', 'b', 'c', 'd'].map((ns) => ({ verb: 'get', resource: 'pods', namespace: ns }));
    const first = await Promise.all(checks.map((c) => f.api.canI(alice, c)));
    expect(first.every((r) => r.allowed)).toBe(true);
    // Four pooled sockets are now stale: a call picks one, is cut, and its retry must not pick
    // another stale one from the pool.
    expect((await f.api.canI(alice, { ...checks[0], verb: 'list' })).allowed).toBe(true);
    expect(cut).toBe(1);
  });

  it('times out a silent server with API_TIMEOUT and maps a refused connection to API_UNREACHABLE', async () => {
    f.rest = () => undefined; // never answers
    const err = await rejection(f.api.getPod('prod', 'web', alice));
    expect(err.code).toBe('API_TIMEOUT');
    const dead = f.client(`http://127.0.0.1:${await deadPort()}`, 1500);
    expect((await rejection(dead.getPod('prod', 'web', alice))).code).toBe('API_UNREACHABLE');
    expect((await rejection(dead.exec({ namespace: 'prod', pod: 'p', container: 'c', command: ['true'], identity: alice, stdin: false, tty: false }))).code)
      .toBe('API_UNREACHABLE');
    dead.close();
  });
});
