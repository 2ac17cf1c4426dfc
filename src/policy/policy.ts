/**
 * podgate's one answer to "may this user do X here?", asked by every path: exec, shell, sftp,
 * scp, forwarding, jump, console, logs (and the future watch, recordings and web paths).
 *
 * Three layers, each only narrowing the one before:
 *   1. the action's `allow.*` switches (actions.ts), no API call;
 *   2. the config's scope: `allow.namespaces` and `allow.podSelector`;
 *   3. the cluster's RBAC, asked as the user's identity (SelfSubjectAccessReview of the pod
 *      subresource the action opens), before any pod is looked up, and again implicitly by the
 *      impersonated stream request itself.
 * Denials carry the registry code and the words the user sees as `podgate: <reason>`.
 */
import type { UserConfig } from '../config/types.ts';
import { PodgateError } from '../errors/index.ts';
import type { Identity, KubeApi } from '../kube/types.ts';
import { checkStreamAccess, type StreamSubresource } from '../target/access.ts';
import { parseLabelSelector } from '../target/label-selector.ts';
import { resolveTarget, type ResolvedTarget } from '../target/resolve.ts';
import type { TargetSpec } from '../target/types.ts';
import { ruleOf, type PolicyAction } from './actions.ts';
import { ALLOWED, decisionError, denied, enforce, type PolicyDecision } from './decision.ts';

/** Who asks: the config entry, the impersonated identity, and the API to review access with. */
export interface PolicySubject {
  user: UserConfig;
  identity: Identity;
  kube: Pick<KubeApi, 'getPod' | 'listPods' | 'getWorkloadSelector' | 'canI' | 'serverVersion'>;
  /** The config's defaultNamespace (used when neither target nor user names one). */
  config: { defaultNamespace: string };
  /** The cluster `kube` talks to (docs/clusters.md). */
  cluster: string;
}

/** Layer 1: may the user do `action` at all? Config only, no API call. */
export function mayDo(user: UserConfig, action: PolicyAction): PolicyDecision {
  const rule = ruleOf(action);
  const allow = user.allow;
  const ok = rule.switches.every((s) => allow[s] === true) && (!rule.anyOf || rule.anyOf.some((s) => allow[s] === true));
  return ok ? ALLOWED : denied('POLICY_DENIED', `${user.name} may not ${rule.words}`);
}

/** Layer 2a: is `namespace` inside the user's `allow.namespaces` (when set)? */
export function mayUseNamespace(user: UserConfig, namespace: string): PolicyDecision {
  const list = user.allow.namespaces;
  if (!list || list.includes(namespace)) return ALLOWED;
  return denied('NAMESPACE_NOT_ALLOWED', `namespace "${namespace}" is not allowed for ${user.name} (allowed: ${list.join(', ') || 'none'})`);
}

/** Layer 2c: is `cluster` inside the user's `allow.clusters` (when set)? (docs/clusters.md) */
export function mayUseCluster(user: UserConfig, cluster: string): PolicyDecision {
  const list = user.allow.clusters;
  if (!list || list.includes(cluster)) return ALLOWED;
  return denied('CLUSTER_NOT_ALLOWED', `cluster "${cluster}" is not allowed for ${user.name} (allowed: ${list.join(', ') || 'none'})`);
}

/** The namespaces the config limits the user to; null when it does not narrow them. */
export function configuredNamespaces(user: UserConfig): string[] | null {
  return user.allow.namespaces ? [...user.allow.namespaces] : null;
}

const selectors = new WeakMap<UserConfig, (labels: Record<string, string> | undefined) => boolean>();

/** Layer 2b: the user's `allow.podSelector` as a predicate on pod labels; null: any pod. */
export function podFilterOf(user: UserConfig): ((labels: Record<string, string> | undefined) => boolean) | null {
  const sel = user.allow.podSelector;
  if (!sel) return null;
  let f = selectors.get(user);
  if (!f) {
    f = parseLabelSelector(sel);
    selectors.set(user, f);
  }
  return f;
}

export function defaultNamespaceOf(s: Pick<PolicySubject, 'user' | 'config'>): string {
  return s.user.defaultNamespace ?? s.config.defaultNamespace ?? 'default';
}

/** Layers 2a + 3 for one namespace and pod subresource (no switch): scope, then RBAC. */
export async function reviewNamespace(s: PolicySubject, subresource: StreamSubresource, namespace: string): Promise<PolicyDecision> {
  const scope = mayUseNamespace(s.user, namespace);
  if (!scope.allowed) return scope;
  try {
    await checkStreamAccess(s.kube, s.identity, namespace, subresource);
    return ALLOWED;
  } catch (e) {
    if (e instanceof PodgateError && e.code === 'FORBIDDEN') return denied('FORBIDDEN', e.userMessage, e.operatorMessage);
    throw e;
  }
}

/** Layers 1 + 2a + 3 for an action in a namespace, before any pod is chosen. */
export async function mayDoIn(s: PolicySubject, action: PolicyAction, namespace: string): Promise<PolicyDecision> {
  const sw = mayDo(s.user, action);
  if (!sw.allowed) return sw;
  const sub = ruleOf(action).subresource;
  return sub === null ? mayUseNamespace(s.user, namespace) : reviewNamespace(s, sub, namespace);
}

/**
 * The whole question for a target: every layer, then the pod and container it names (a
 * workload's pod only among those the podSelector allows). Rejects with the PodgateError the
 * user sees; resolves to the container the action may use.
 */
export async function authorizeTarget(s: PolicySubject, action: PolicyAction, spec: TargetSpec): Promise<ResolvedTarget> {
  const rule = ruleOf(action);
  if (rule.subresource === null) throw new PodgateError('INTERNAL', undefined, { operatorMessage: `policy action ${action} does not enter a pod` });
  const namespace = spec.namespace ?? defaultNamespaceOf(s);
  // The caller moved `s` to the target's cluster (src/clusters/choose.ts); a mismatch is a bug.
  if ((spec.cluster ?? s.cluster) !== s.cluster) throw new PodgateError('INTERNAL', undefined, { operatorMessage: `target in cluster ${spec.cluster ?? ''} asked of cluster ${s.cluster}` });
  enforce(mayUseCluster(s.user, s.cluster));
  enforce(await mayDoIn(s, action, namespace));
  const podFilter = podFilterOf(s.user);
  const resolved = await resolveTarget(spec, {
    kube: s.kube, identity: s.identity, defaultNamespace: namespace, mustRun: rule.subresource !== 'log',
    ...(podFilter ? { podFilter } : {}),
  });
  const err = decisionError(mayUseNamespace(s.user, resolved.namespace));
  if (err) throw err;
  return { ...resolved, cluster: s.cluster };
}
