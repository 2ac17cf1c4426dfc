import { describe, expect, it } from 'vitest';
import type { UserConfig, UserPolicy } from '../config/types.ts';
import { PodgateError } from '../errors/index.ts';
import type { AccessCheck } from '../kube/types.ts';
import { parseTarget } from '../target/grammar.ts';
import { ACTION_RULES, type PolicyAction } from './actions.ts';
import { authorizeTarget, mayDo, mayDoIn, type PolicySubject } from './policy.ts';

const ALL_OFF: UserPolicy = { shell: false, sftp: false, forwarding: false, console: false, logs: false, watch: false, recordings: false, web: false };
const user = (allow: Partial<UserPolicy>): UserConfig => ({ name: 'alice', publicKeys: [], kubernetes: { user: 'alice', groups: [] }, allow: { ...ALL_OFF, ...allow } });

const checks: AccessCheck[] = [];
const pod = (name: string, ns: string, labels: Record<string, string>) => ({
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'app' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'app', image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: {} } }] },
});
const subject = (u: UserConfig): PolicySubject => ({
  user: u, identity: { user: 'alice', groups: [] }, config: { defaultNamespace: 'default' }, cluster: 'default',
  kube: {
    async getPod(ns, name) { return (name === 'web-1' || name === 'db-0') ? pod(name, ns, { app: name === 'web-1' ? 'web' : 'db' }) : null; },
    async listPods() { return []; },
    async getWorkloadSelector() { return null; },
    async canI(_id, check) { checks.push(check); return { allowed: check.namespace !== 'secret' }; },
  },
});

describe('mayDo: the allow.* switches', () => {
  const table: [PolicyAction, Partial<UserPolicy>, boolean][] = [
    ['exec', { shell: true }, true], ['exec', { sftp: true }, false],
    ['shell', { shell: true }, true], ['shell', { sftp: true, forwarding: true, console: true }, false],
    ['sftp', { sftp: true }, true], ['sftp', { shell: true }, false],
    ['scp', { sftp: true }, true], ['scp', { shell: true }, false],
    ['forward', { forwarding: true }, true], ['forward', { shell: true }, false],
    ['jump', { sftp: true }, true], ['jump', { shell: true }, true], ['jump', { forwarding: true }, true], ['jump', { console: true }, false],
    ['console', { console: true }, true], ['console', { shell: true }, false],
    ['logs', { console: true, logs: true }, true], ['logs', { logs: true }, false], ['logs', { console: true }, false],
    ['watch', { watch: true, shell: true }, true], ['watch', { watch: true }, false], ['recordings', { recordings: true }, true],
    ['web', { web: true, shell: true }, true], ['web', { web: true }, false], ['web', { shell: true }, false],
    ['watch', { shell: true }, false], ['recordings', {}, false],
  ];
  it.each(table)('%s with %o: %s', (action, allow, ok) => {
    const d = mayDo(user(allow), action);
    expect(d.allowed).toBe(ok);
    if (!d.allowed) {
      expect(d.code).toBe('POLICY_DENIED');
      expect(d.reason).toMatch(/^alice may not .*allow\./);
    }
  });
  it('every action has a rule and nothing else does', () => {
    expect([...ACTION_RULES.keys()].sort()).toEqual(['console', 'exec', 'forward', 'jump', 'logs', 'recordings', 'scp', 'sftp', 'shell', 'watch', 'web']);
    expect(() => mayDo(user({}), 'constructor' as PolicyAction)).toThrow();
  });
});

describe('mayDoIn / authorizeTarget: config scope, then RBAC', () => {
  it('allow.namespaces narrows before any API call', async () => {
    checks.length = 0;
    const d = await mayDoIn(subject(user({ shell: true, namespaces: ['default'] })), 'shell', 'prod');
    expect(d).toMatchObject({ allowed: false, code: 'NAMESPACE_NOT_ALLOWED' });
    expect(checks).toEqual([]);
  });
  it('reviews create+get on the subresource the action opens', async () => {
    checks.length = 0;
    expect((await mayDoIn(subject(user({ forwarding: true })), 'forward', 'prod')).allowed).toBe(true);
    expect(checks.map((c) => `${c.verb} ${c.subresource}`).sort()).toEqual(['create portforward', 'get portforward']);
    checks.length = 0;
    expect((await mayDoIn(subject(user({ console: true, logs: true })), 'logs', 'prod')).allowed).toBe(true);
    expect(checks.map((c) => `${c.verb} ${c.subresource}`)).toEqual(['get log']);
  });
  it('an RBAC denial names who and where', async () => {
    const d = await mayDoIn(subject(user({ sftp: true })), 'scp', 'secret');
    expect(d).toMatchObject({ allowed: false, code: 'FORBIDDEN', reason: 'alice may not exec into pods in namespace "secret"' });
  });
  it('a switch that is off is reported before the scope and RBAC', async () => {
    checks.length = 0;
    const e = await authorizeTarget(subject(user({ shell: true })), 'scp', parseTarget('web-1.secret')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PodgateError);
    expect((e as PodgateError).code).toBe('POLICY_DENIED');
    expect(checks).toEqual([]);
  });
  it('the podSelector narrows pods', async () => {
    const s = subject(user({ shell: true, podSelector: 'app=web' }));
    expect((await authorizeTarget(s, 'exec', parseTarget('web-1.prod'))).pod).toBe('web-1');
    const e = await authorizeTarget(s, 'exec', parseTarget('db-0.prod')).catch((x: unknown) => x);
    expect((e as PodgateError).code).toBe('POLICY_DENIED');
  });
  it('actions that enter no pod cannot be used as targets', async () => {
    const e = await authorizeTarget(subject(user({ console: true })), 'console', parseTarget('web-1')).catch((x: unknown) => x);
    expect((e as PodgateError).code).toBe('INTERNAL');
  });
});
