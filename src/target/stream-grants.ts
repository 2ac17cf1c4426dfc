/**
 * What the cluster's RBAC grants a user on a pod stream subresource, and whether that is enough
 * for podgate, which opens every stream with a WebSocket upgrade (a GET):
 *
 *   - pods/log: `get`.
 *   - pods/exec, pods/portforward: `get` authorizes the upgrade up to Kubernetes 1.34; from 1.35
 *     (AuthorizePodWebsocketUpgradeCreatePermission) the upgrade needs `create` too.
 *
 * kubectl falls back to SPDY (a POST, authorized as `create`) when its WebSocket upgrade is
 * refused, so a Role granting only `create` (what most tutorials wrote) works for kubectl and not
 * for podgate. Such a user is told exactly which verb to add, never a bare "may not".
 */
import type { Identity, KubeApi, ServerVersion } from '../kube/types.ts';

export type StreamSubresource = 'exec' | 'portforward' | 'log';

export interface StreamGrant {
  subresource: StreamSubresource;
  namespace: string;
  get: boolean;
  /** Always false for `log`, which is never asked about `create`. */
  create: boolean;
  /** Whether podgate may open the stream. */
  allowed: boolean;
  /** Why not, in words a platform team can act on; null when allowed or nothing is granted at all. */
  gap: string | null;
  /** The access review's reasons, for the operator log. */
  reasons: string;
}

/** Whether a WebSocket upgrade of pods/exec or pods/portforward needs `create`; null when the version is unknown. */
export function upgradeNeedsCreate(v: ServerVersion | null): boolean | null {
  if (v === null) return null;
  return v.major > 1 || v.minor >= 35;
}

async function versionOf(kube: Pick<KubeApi, 'serverVersion'>): Promise<ServerVersion | null> {
  if (!kube.serverVersion) return null;
  try {
    return await kube.serverVersion();
  } catch {
    return null; // unknown: the upgrade itself is then the judge
  }
}

export async function streamGrant(
  kube: Pick<KubeApi, 'canI' | 'serverVersion'>, identity: Identity, namespace: string, subresource: StreamSubresource, pod?: string,
): Promise<StreamGrant> {
  const ask = (verb: 'get' | 'create') => kube.canI(identity, { verb, resource: 'pods', subresource, namespace, ...(pod ? { name: pod } : {}) });
  if (subresource === 'log') {
    const get = await ask('get');
    return { subresource, namespace, get: get.allowed, create: false, allowed: get.allowed, gap: null, reasons: get.reason ?? '' };
  }
  const [get, create, version] = await Promise.all([ask('get'), ask('create'), versionOf(kube)]);
  const needsCreate = upgradeNeedsCreate(version);
  const reasons = [get.reason, create.reason].filter((r) => r).join(' ');
  const base = { subresource, namespace, get: get.allowed, create: create.allowed, reasons };
  if (get.allowed && (create.allowed || needsCreate !== true)) return { ...base, allowed: true, gap: null };
  let gap: string | null = null;
  if (create.allowed && !get.allowed) {
    gap = `RBAC grants create but not get on pods/${subresource} in ${namespace}; podgate needs both: add "get"`;
  } else if (get.allowed && !create.allowed && version) {
    gap = `RBAC grants get but not create on pods/${subresource} in ${namespace}; Kubernetes ${version.gitVersion} needs both for WebSocket streams: add "create"`;
  }
  return { ...base, allowed: false, gap };
}

/** One word per grant for the console's `whoami` table. */
export function grantWord(g: StreamGrant): string {
  if (g.allowed) return 'yes';
  if (g.subresource !== 'log' && g.create && !g.get) return 'no (add get)';
  if (g.subresource !== 'log' && g.get && !g.create) return 'no (add create)';
  return 'no';
}
