import { describe, expect, it } from 'vitest';
import { Authorizer, forbiddenMessage, ruleAllows } from './rbac.ts';
import type { Attributes } from './rbac.ts';
import type { KubeObject } from './types.ts';

const obj = (kind: string, name: string, extra: Record<string, unknown>, namespace?: string): KubeObject =>
  ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra });

const authz = new Authorizer([
  obj('ClusterRole', 'exec-only-get', { rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }] }),
  obj('Role', 'named', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['db-0'] }] }, 'prod'),
  obj('ClusterRole', 'any-sub-log', { rules: [{ apiGroups: ['*'], resources: ['*/log'], verbs: ['*'] }] }),
  obj('RoleBinding', 'g', { roleRef: { kind: 'ClusterRole', name: 'exec-only-get' }, subjects: [{ kind: 'Group', name: 'dev' }] }, 'prod'),
  obj('RoleBinding', 'n', { roleRef: { kind: 'Role', name: 'named' }, subjects: [{ kind: 'User', name: 'u' }] }, 'prod'),
  obj('ClusterRoleBinding', 'sa', { roleRef: { kind: 'ClusterRole', name: 'any-sub-log' }, subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'ci' }] }),
]);

const a = (user: string, groups: string[], verb: string, resource: string, sub = '', namespace = 'prod', name = ''): Attributes =>
  ({ user: { name: user, groups }, verb, resourceRequest: true, apiGroup: '', resource, subresource: sub, namespace, name });

describe('RBAC', () => {
  it('matches groups, verbs and subresources exactly', () => {
    expect(authz.authorize(a('x', ['dev'], 'get', 'pods', 'exec')).allowed).toBe(true);
    expect(authz.authorize(a('x', ['dev'], 'create', 'pods', 'exec')).allowed).toBe(false);
    expect(authz.authorize(a('x', ['dev'], 'get', 'pods')).allowed).toBe(false);
    expect(authz.authorize(a('x', ['dev'], 'get', 'pods', 'exec', 'staging')).allowed).toBe(false);
  });

  it('honours resourceNames, service accounts, */sub and system:masters', () => {
    expect(authz.authorize(a('u', [], 'get', 'pods', '', 'prod', 'db-0')).allowed).toBe(true);
    expect(authz.authorize(a('u', [], 'get', 'pods', '', 'prod', 'web')).allowed).toBe(false);
    expect(authz.authorize(a('u', [], 'list', 'pods')).allowed).toBe(false);
    expect(authz.authorize(a('system:serviceaccount:ci:bot', [], 'get', 'pods', 'log', 'any')).allowed).toBe(true);
    expect(authz.authorize(a('system:serviceaccount:other:bot', [], 'get', 'pods', 'log', 'any')).allowed).toBe(false);
    expect(authz.authorize(a('root', ['system:masters'], 'delete', 'nodes', '', '')).allowed).toBe(true);
  });

  it('gives every authenticated identity discovery and self-reviews', () => {
    expect(authz.authorize({ user: { name: 'm', groups: ['system:authenticated'] }, verb: 'get', resourceRequest: false, path: '/apis/apps/v1' }).allowed).toBe(true);
    expect(authz.authorize({ ...a('m', ['system:authenticated'], 'create', 'selfsubjectaccessreviews', '', ''), apiGroup: 'authorization.k8s.io' }).allowed).toBe(true);
    expect(authz.authorize({ user: { name: 'm', groups: [] }, verb: 'get', resourceRequest: false, path: '/version' }).allowed).toBe(false);
  });

  it('words denials like the apiserver', () => {
    expect(forbiddenMessage(a('u', [], 'get', 'pods', 'exec', 'ns'))).toBe('User "u" cannot get resource "pods/exec" in API group "" in the namespace "ns"');
    expect(forbiddenMessage(a('u', [], 'list', 'pods', '', ''))).toBe('User "u" cannot list resource "pods" in API group "" at the cluster scope');
    expect(ruleAllows({ verbs: ['get'], nonResourceURLs: ['/healthz'] }, a('u', [], 'get', 'pods'))).toBe(false);
  });
});
