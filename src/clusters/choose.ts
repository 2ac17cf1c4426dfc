/**
 * Choosing the cluster of a target (docs/clusters.md): the `CLUSTER_` the user typed, else the
 * default. Whether the user may reach it is the policy's question (src/policy), asked by
 * authorizeTarget on every path that enters a pod.
 */
import { PodgateError } from '../errors/index.ts';
import type { KubeApi } from '../kube/types.ts';
import { authorizeTarget, type PolicyAction } from '../policy/index.ts';
import type { PolicySubject } from '../policy/policy.ts';
import type { ResolvedTarget } from '../target/resolve.ts';
import type { TargetSpec } from '../target/types.ts';
import type { ClusterEntry, ClusterSet } from './types.ts';

function clusterNamed(clusters: ClusterSet, name: string | undefined): ClusterEntry {
  if (name === undefined) return clusters.defaultCluster;
  const c = clusters.get(name);
  if (!c) throw new PodgateError('CLUSTER_UNKNOWN', `no cluster "${name}" (clusters: ${clusters.all.map((x) => x.name).join(', ')})`);
  return c;
}

/** A context moved to cluster `name`: its `kube` becomes that cluster's client. Throws CLUSTER_UNKNOWN. */
export function inCluster<T extends { kube: KubeApi; cluster: string; clusters: ClusterSet }>(ctx: T, name: string | undefined): T {
  const c = clusterNamed(ctx.clusters, name);
  return c.name === ctx.cluster ? ctx : { ...ctx, cluster: c.name, kube: c.kube };
}

/** One cluster, named `default`, around one client (the single-cluster form; unit tests). */
export function singleCluster(kube: KubeApi): ClusterSet {
  const only: ClusterEntry = { name: 'default', isDefault: true, kube };
  return { all: [only], defaultCluster: only, get: (name) => (name === only.name ? only : undefined) };
}

/**
 * The one call for code that enters a pod for a TARGET: moves `ctx` to the target's cluster,
 * then asks the policy (src/policy authorizeTarget, which refuses a context of another cluster).
 * Use the returned `ctx.kube` for the stream: it is the target's cluster's client.
 */
export async function authorizeInCluster<T extends PolicySubject & { kube: KubeApi; clusters: ClusterSet }>(
  ctx: T, action: PolicyAction, spec: TargetSpec,
): Promise<{ ctx: T; target: ResolvedTarget }> {
  const moved = inCluster(ctx, spec.cluster);
  return { ctx: moved, target: await authorizeTarget(moved, action, spec) };
}
