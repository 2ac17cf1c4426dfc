/**
 * RBAC as the kube-apiserver evaluates it (plugin/pkg/auth/authorizer/rbac): Roles and
 * ClusterRoles bound by RoleBindings and ClusterRoleBindings to users, groups and service
 * accounts; verbs, apiGroups, resources (with subresources and "*\/sub"), resourceNames and
 * nonResourceURLs, "*" wildcards. Group system:masters is allowed everything, and every
 * authenticated identity gets the default discovery and self-review permissions.
 */
import type { KubeObject } from './types.ts';

export interface UserInfo {
  name: string;
  groups: string[];
}

export interface Attributes {
  user: UserInfo;
  verb: string;
  /** Resource requests. */
  resourceRequest: boolean;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Non-resource requests. */
  path?: string;
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject { kind: string; name: string; namespace?: string }
interface Binding { kind: string; name: string; namespace?: string; roleRef: { kind: string; name: string }; subjects: Subject[] }

/** Defaults every real cluster has (system:basic-user, system:discovery, system:public-info-viewer). */
const AUTHENTICATED_RULES: PolicyRule[] = [
  { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
  { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
  { verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/readyz', '/version', '/version/', '/openapi', '/openapi/*'] },
];

function has(list: string[] | undefined, v: string): boolean {
  return (list ?? []).some((x) => x === '*' || x === v);
}

function resourceMatches(rule: PolicyRule, resource: string, sub: string): boolean {
  const combined = sub === '' ? resource : `${resource}/${sub}`;
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (sub !== '' && r === `*/${sub}`) return true;
  }
  return false;
}

function nonResourceMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceMatches(rule, a.path ?? '');
  if ((rule.nonResourceURLs ?? []).length > 0 && (rule.resources ?? []).length === 0) return false;
  if (!has(rule.apiGroups, a.apiGroup ?? '')) return false;
  if (!resourceMatches(rule, a.resource ?? '', a.subresource ?? '')) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name ?? '');
}

function subjectMatches(s: Subject, u: UserInfo, bindingNs: string | undefined): boolean {
  switch (s.kind) {
    case 'User': return s.name === u.name;
    case 'Group': return u.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace ?? bindingNs ?? '';
      return u.name === `system:serviceaccount:${ns}:${s.name}`;
    }
    default: return false;
  }
}

export class Authorizer {
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  private readonly bindings: Binding[] = [];

  constructor(objects: KubeObject[]) {
    for (const o of objects) {
      const rules = (o.rules as PolicyRule[] | undefined) ?? [];
      if (o.kind === 'Role') this.roles.set(`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, rules);
      else if (o.kind === 'ClusterRole') this.clusterRoles.set(o.metadata.name, rules);
      else if (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') {
        this.bindings.push({
          kind: o.kind, name: o.metadata.name,
          namespace: o.kind === 'RoleBinding' ? o.metadata.namespace ?? 'default' : undefined,
          roleRef: o.roleRef as Binding['roleRef'], subjects: (o.subjects as Subject[] | undefined) ?? [],
        });
      }
    }
  }

  /** Every rule that applies to the user in a namespace (SelfSubjectRulesReview). */
  rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
    if (user.groups.includes('system:masters')) return [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }];
    const out: PolicyRule[] = user.groups.includes('system:authenticated') ? [...AUTHENTICATED_RULES] : [];
    for (const b of this.bindings) {
      if (b.kind === 'RoleBinding' && b.namespace !== namespace) continue;
      if (!b.subjects.some((s) => subjectMatches(s, user, b.namespace))) continue;
      const rules = b.roleRef.kind === 'ClusterRole' ? this.clusterRoles.get(b.roleRef.name) : this.roles.get(`${b.namespace}/${b.roleRef.name}`);
      out.push(...(rules ?? []));
    }
    return out;
  }

  authorize(a: Attributes): Decision {
    if (a.user.groups.includes('system:masters')) return { allowed: true, reason: '' };
    if (a.user.groups.includes('system:authenticated') && AUTHENTICATED_RULES.some((r) => ruleAllows(r, a))) {
      return { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"' };
    }
    for (const b of this.bindings) {
      if (b.kind === 'RoleBinding' && b.namespace !== a.namespace) continue;
      const subject = b.subjects.find((s) => subjectMatches(s, a.user, b.namespace));
      if (!subject) continue;
      const rules = b.roleRef.kind === 'ClusterRole'
        ? this.clusterRoles.get(b.roleRef.name)
        : this.roles.get(`${b.namespace}/${b.roleRef.name}`);
      if (!rules || !rules.some((r) => ruleAllows(r, a))) continue;
      const where = b.kind === 'RoleBinding' ? `RoleBinding "${b.name}/${b.namespace}"` : `ClusterRoleBinding "${b.name}"`;
      const subj = subject.kind === 'ServiceAccount' ? `ServiceAccount "${subject.name}/${subject.namespace ?? b.namespace ?? ''}"` : `${subject.kind} "${subject.name}"`;
      return { allowed: true, reason: `RBAC: allowed by ${where} of ${b.roleRef.kind} "${b.roleRef.name}" to ${subj}` };
    }
    return { allowed: false, reason: '' };
  }
}

/** The "why" part of a 403, as responsewriters.forbiddenMessage words it. */
export function forbiddenMessage(a: Attributes): string {
  if (!a.resourceRequest) return `User "${a.user.name}" cannot ${a.verb} path "${a.path ?? ''}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource ?? '';
  if (a.namespace) return `User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup ?? ''}" in the namespace "${a.namespace}"`;
  return `User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup ?? ''}" at the cluster scope`;
}
