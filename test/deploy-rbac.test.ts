/**
 * The chart's RBAC equals what podgate's code does, and nothing more.
 *
 * The list of API calls is derived from podgate itself, twice over:
 *  1. at run time: podgate's own Kubernetes client (createKubeApi) calls every KubeApi method
 *     against a loopback HTTP server that records each request (method, path, WebSocket
 *     upgrade, Impersonate-* headers) and answers 404/403/"denied";
 *  2. statically: every API path literal in src/kube/ must be one the run-time pass produced,
 *     so a call added to the code without a test-visible method fails here.
 * Each request becomes (apiGroup, resource[/subresource], verb) the way the API server's
 * RequestInfo does it; WebSocket upgrades (exec, port-forward) need get and, from Kubernetes
 * 1.35, create. Requests carrying Impersonate-User are authorized as the user (the chart's
 * access ClusterRole); the service account needs only the impersonation itself.
 */
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeApi, type KubeClient } from '../src/kube/index.ts';
import type { Identity, WorkloadKind } from '../src/kube/types.ts';
import { CHART, REPO, expandRules, parseTemplate, readTemplate, type Rule } from './deploy-chart-text.ts';

interface Recorded {
  /** The client method whose call made this request. */
  by: string;
  method: string;
  path: string;
  query: URLSearchParams;
  upgrade: boolean;
  impersonateUser: string | undefined;
  impersonateGroups: string[];
  otherImpersonation: string[];
}

/** How the API server names a request: group, resource[/subresource], object name. */
function requestInfo(path: string): { group: string; resource: string; name: string | undefined } {
  const seg = path.split('/').filter((s) => s !== '');
  let rest: string[];
  let group: string;
  if (seg[0] === 'api') {
    group = '';
    rest = seg.slice(2);
  } else if (seg[0] === 'apis') {
    group = seg[1] ?? '';
    rest = seg.slice(3);
  } else {
    throw new Error(`not a Kubernetes API path: ${path}`);
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [resource = '', name, sub] = rest;
  return { group, resource: sub ? `${resource}/${sub}` : resource, name: name === '' ? undefined : name };
}

function verbsOf(r: Recorded): string[] {
  if (r.upgrade) return ['get', 'create'];
  const { name } = requestInfo(r.path);
  switch (r.method) {
    case 'GET':
      if (name !== undefined) return ['get'];
      return r.query.get('watch') === 'true' ? ['watch'] : ['list'];
    case 'POST':
      return ['create'];
    case 'PUT':
      return ['update'];
    case 'PATCH':
      return ['patch'];
    case 'DELETE':
      return ['delete'];
    default:
      throw new Error(`unexpected method ${r.method}`);
  }
}

const recorded: Recorded[] = [];
/** The service account's own calls in its namespace, granted by a Role (rbac-replicas.yaml), not the ClusterRole. */
const LEASE_METHODS = ['createLease', 'replaceLease', 'getLease', 'listLeases', 'deleteLease'];
let server: http.Server;
let client: KubeClient;
let dir: string;
const exercised = new Set<string>();
let current = '';

function record(req: http.IncomingMessage, upgrade: boolean): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const groups = req.headersDistinct['impersonate-group'] ?? [];
  recorded.push({
    by: current,
    method: req.method ?? '',
    path: url.pathname,
    query: url.searchParams,
    upgrade,
    impersonateUser: req.headers['impersonate-user'] as string | undefined,
    impersonateGroups: groups,
    otherImpersonation: Object.keys(req.headers).filter((h) => h.startsWith('impersonate-') && h !== 'impersonate-user' && h !== 'impersonate-group'),
  });
}

function status(code: number, reason: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code, message: `recorder: ${reason}` });
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    record(req, false);
    req.resume();
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    if (req.method === 'POST' && (req.url ?? '').includes('accessreviews')) {
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', status: { allowed: false } }));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(status(404, 'NotFound'));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket) => {
    record(req, true);
    socket.on('error', () => undefined);
    const body = status(403, 'Forbidden');
    socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  dir = mkdtempSync(join(tmpdir(), 'podgate-deploy-rbac-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config', 'current-context: rec',
    'clusters: [{name: rec, cluster: {server: "http://127.0.0.1:' + String(port) + '"}}]',
    'users: [{name: sa, user: {token: podgate-token}}]',
    'contexts: [{name: rec, context: {cluster: rec, user: sa}}]', '',
  ].join('\n'));
  client = createKubeApi({ kubeconfig, requestTimeoutMs: 10_000 });

  const id: Identity = { user: 'alice@corp', groups: ['dev'] };
  const settle = async (name: string, call: () => Promise<unknown>): Promise<void> => {
    exercised.add(name);
    current = name;
    await call().then(() => undefined, () => undefined);
    current = '';
  };
  const kinds: WorkloadKind[] = ['deployment', 'statefulset', 'daemonset', 'replicaset', 'job'];
  await settle('getPod', () => client.getPod('prod', 'web-1', id));
  await settle('listPods', () => client.listPods('prod', id, { labelSelector: 'app=web' }));
  await settle('listPods', () => client.listPods(null, id));
  for (const kind of kinds) await settle('getWorkloadSelector', () => client.getWorkloadSelector(kind, 'prod', 'web', id));
  await settle('canI', () => client.canI(id, { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'prod', name: 'web-1' }));
  await settle('exec', () => client.exec({ namespace: 'prod', pod: 'web-1', container: 'app', command: ['true'], identity: id, stdin: false, tty: false }));
  await settle('portForward', () => client.portForward({ namespace: 'prod', pod: 'web-1', port: 8080, identity: id }));
  await settle('logs', () => client.logs({ namespace: 'prod', pod: 'web-1', container: 'app', identity: id }));
  // The one call podgate makes as itself (no identity to impersonate): the console's scope.
  await settle('listNamespaceNames', () => client.listNamespaceNames?.() ?? Promise.reject(new Error('absent')));
  // The readiness probe, as itself: GET /version, which every cluster grants to everyone
  // (ClusterRole system:public-info-viewer), so the chart needs no rule for it.
  await settle('probe', () => client.probe());
  // Also as itself: the API server's version (which verbs a WebSocket stream upgrade needs).
  await settle('serverVersion', () => client.serverVersion?.() ?? Promise.reject(new Error('absent')));
  // Sessions across replicas: detached sessions as Leases in podgate's own namespace, as itself.
  const lease = { name: 'podgate-session-abc', labels: {}, holderIdentity: '10.0.0.1:7022', leaseDurationSeconds: 30 };
  await settle('createLease', () => client.createLease('podgate', lease));
  await settle('replaceLease', () => client.replaceLease('podgate', { ...lease, resourceVersion: '1' }));
  await settle('getLease', () => client.getLease('podgate', lease.name));
  await settle('listLeases', () => client.listLeases('podgate', 'podgate.dev/user=alice'));
  await settle('deleteLease', () => client.deleteLease('podgate', lease.name, '1'));
});

afterAll(async () => {
  client?.close();
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The RBAC the recorded calls need, split by who is authorized. */
/** Non-resource paths every cluster grants to everyone (system:public-info-viewer): no chart rule. */
const PUBLIC_PATHS = new Set(['/version']);
const resourceCalls = () => recorded.filter((r) => !PUBLIC_PATHS.has(r.path.split('?')[0] ?? ''));

function derived(): { user: Set<string>; serviceAccount: Set<string> } {
  const user = new Set<string>();
  const serviceAccount = new Set<string>();
  for (const r of resourceCalls()) {
    const { group, resource } = requestInfo(r.path);
    const target = r.impersonateUser !== undefined ? user : serviceAccount;
    for (const v of verbsOf(r)) target.add(`${group}|${resource}|${v}`);
    if (r.impersonateUser !== undefined) serviceAccount.add('|users|impersonate');
    if (r.impersonateGroups.length > 0) serviceAccount.add('|groups|impersonate');
  }
  return { user, serviceAccount };
}

function clusterRole(file: string, nameSuffix: string): Rule[] {
  const doc = parseTemplate(file).docs.find((d) => d.kind === 'ClusterRole' && String((d.metadata as { name: string }).name).endsWith(nameSuffix));
  if (!doc) throw new Error(`no ClusterRole *${nameSuffix} in ${file}`);
  return (doc.rules as Rule[] | null) ?? [];
}

function sourceFiles(root: string): string[] {
  return readdirSync(root).flatMap((f) => {
    const p = join(root, f);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('chart RBAC versus the calls podgate makes', () => {
  it('exercised every method of the Kubernetes client podgate builds', () => {
    const methods = Object.entries(client).filter(([k, v]) => typeof v === 'function' && k !== 'close').map(([k]) => k);
    // A new client method: call it in beforeAll above, then grant exactly what it needs in
    // chart/templates/rbac-access.yaml (as the user) or rbac.yaml (as the service account).
    expect(methods.sort(), 'methods of createKubeApi() this test does not call').toEqual([...exercised].sort());
    expect(recorded.length).toBeGreaterThanOrEqual(12);
  });

  it('every API path written in src/kube/ is one the run-time pass produced', () => {
    const seen = new Set(resourceCalls().map((r) => { const i = requestInfo(r.path); return `${i.group}|${i.resource}`; }));
    const literal = /[`'"](\/apis?\/[^`'"\s]*)[`'"]/g;
    const found: string[] = [];
    for (const file of sourceFiles(join(REPO, 'src', 'kube'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(literal)) {
        const path = (m[1] ?? '').replace(/\$\{[^}]*\}/g, 'X');
        const i = requestInfo(path);
        found.push(`${i.group}|${i.resource}`);
        expect(seen, `${relative(REPO, file)}: ${m[1]} is never requested by the calls above (a path no method reaches, or a method this test does not call)`).toContain(`${i.group}|${i.resource}`);
      }
    }
    expect(found.length).toBeGreaterThanOrEqual(8);
  });

  it('every call made for a user impersonates exactly that user; only identity-less methods go as podgate itself', () => {
    // Methods that take no identity: podgate's own calls, authorized for its service account.
    const own = new Set(['listNamespaceNames', 'probe', 'serverVersion', ...LEASE_METHODS]);
    for (const r of recorded) {
      const where = `${r.by}: ${r.method} ${r.path}`;
      expect(r.otherImpersonation, where).toEqual([]);
      if (own.has(r.by)) {
        expect(r.impersonateUser, where).toBeUndefined();
        expect(r.impersonateGroups, where).toEqual([]);
      } else {
        expect(r.impersonateUser, where).toBe('alice@corp');
        expect(r.impersonateGroups, where).toEqual(['dev']);
      }
    }
    expect(recorded.filter((r) => r.impersonateUser === undefined).map((r) => r.by)).toEqual([...own].filter((m) => exercised.has(m)));
  });

  it('the access ClusterRole grants exactly what the impersonated calls need', () => {
    const granted = expandRules(clusterRole('rbac-access.yaml', '-access'));
    expect([...granted].sort()).toEqual([...derived().user].sort());
  });

  it("the service account's ClusterRole grants exactly the impersonation (and its own calls, if any)", () => {
    const granted = expandRules(clusterRole('rbac.yaml', '-impersonator'));
    const clusterWide = [...derived().serviceAccount].filter((k) => !k.startsWith('coordination.k8s.io|leases|'));
    expect([...granted].sort()).toEqual(clusterWide.sort());
  });

  it("the replicas Role grants exactly the Lease calls, in podgate's own namespace", () => {
    const role = parseTemplate('rbac-replicas.yaml').docs.find((d) => d.kind === 'Role');
    expect((role?.metadata as { namespace?: string } | undefined)?.namespace).toBeDefined();
    const granted = expandRules((role?.rules as Rule[] | null) ?? []);
    const leases = [...derived().serviceAccount].filter((k) => k.startsWith('coordination.k8s.io|leases|'));
    expect(leases.length).toBe(5);
    expect([...granted].sort()).toEqual(leases.sort());
  });
});

describe('chart RBAC safety', () => {
  const rbacDocs = ['rbac.yaml', 'rbac-access.yaml', 'rbac-replicas.yaml'].flatMap((f) => parseTemplate(f).docs);
  const rules = rbacDocs.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role').flatMap((d) => (d.rules as Rule[] | null) ?? []);

  it('no wildcard, escalate, bind, secrets or serviceaccount impersonation; impersonation always by name', () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) {
      const text = JSON.stringify(r);
      for (const list of [r.apiGroups, r.resources, r.verbs, r.resourceNames ?? []]) expect(list, text).not.toContain('*');
      expect(r.verbs, text).not.toContain('escalate');
      expect(r.verbs, text).not.toContain('bind');
      for (const res of r.resources) expect(res, text).not.toMatch(/^(secrets|serviceaccounts|uids|userextras)(\/|$)/);
      if (r.verbs.includes('impersonate')) {
        expect(r.verbs, text).toEqual(['impersonate']);
        expect(r.resources.every((x) => x === 'users' || x === 'groups'), text).toBe(true);
        expect(Array.isArray(r.resourceNames) && r.resourceNames.length > 0, text).toBe(true);
      } else {
        expect(r.resourceNames, text).toBeUndefined();
      }
    }
  });

  it('an impersonate rule is only rendered for a non-empty list, and that list is what it ranges over', () => {
    // RBAC reads an empty resourceNames as "any name": the guard is what keeps it by name.
    const text = readTemplate('rbac.yaml');
    const blocks = [...text.matchAll(/\{\{-? if (\$\w+) \}\}\s*\n\s*- apiGroups: \[""\]\s*\n\s*resources: \[(\w+)\]\s*\n\s*verbs: \[impersonate\]\s*\n\s*resourceNames:\s*\n\s*\{\{-? range (\$\w+) \}\}/g)];
    expect(blocks.map((b) => b[2]).sort()).toEqual(['groups', 'users']);
    for (const b of blocks) expect(b[3]).toBe(b[1]);
    expect(text.match(/verbs: \[impersonate\]/g)?.length).toBe(2);
  });

  it('the impersonation lists come from config.users and the extras, and refuse system: identities', () => {
    const helpers = readFileSync(join(CHART, 'templates', '_helpers.tpl'), 'utf8');
    for (const name of ['podgate.impersonateUsers', 'podgate.impersonateGroups']) {
      const body = helpers.split('{{- define "').find((chunk) => chunk.startsWith(`${name}"`)) ?? '';
      expect(body).toContain('range .Values.config.users');
      expect(body).toMatch(/range \.Values\.rbac\.impersonate\.extra(Users|Groups)/);
      expect(body).toContain('hasPrefix "system:"');
      expect(body).toContain('fail ');
    }
    const rbac = readTemplate('rbac.yaml');
    expect(rbac).toContain('include "podgate.impersonateUsers"');
    expect(rbac).toContain('include "podgate.impersonateGroups"');
  });

  it('the service account is bound to the impersonator role only; access bindings name people, not service accounts', () => {
    const bindings = rbacDocs.filter((d) => d.kind === 'ClusterRoleBinding' || d.kind === 'RoleBinding');
    for (const b of bindings) {
      const roleRef = b.roleRef as { name: string };
      const subjects = (b.subjects as { kind: string }[] | null) ?? [];
      if (roleRef.name.endsWith('-impersonator')) {
        expect(b.kind).toBe('ClusterRoleBinding');
        expect(subjects.map((s) => s.kind)).toEqual(['ServiceAccount']);
      } else if (roleRef.name.endsWith('-replicas')) {
        // The Lease Role: namespaced, bound to podgate's own service account only.
        expect(b.kind).toBe('RoleBinding');
        expect((roleRef as { kind?: string }).kind).toBe('Role');
        expect(subjects.map((s) => s.kind)).toEqual(['ServiceAccount']);
      } else {
        expect(roleRef.name.endsWith('-access')).toBe(true);
        expect(b.kind).toBe('RoleBinding');
        for (const s of subjects) expect(['User', 'Group']).toContain(s.kind);
      }
    }
    expect(bindings.some((b) => (b.roleRef as { name: string }).name.endsWith('-impersonator'))).toBe(true);
  });
});
