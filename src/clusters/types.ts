/**
 * Several clusters (docs/clusters.md): what sessions, the console and the policy see of them.
 * Each cluster has its own Kubernetes client; a target's `CLUSTER_` prefix (or the default)
 * chooses one, and that client is the `kube` of everything done for the target.
 */
import type { KubeApi } from '../kube/types.ts';

export interface ClusterEntry {
  /** The configured name (the `CLUSTER_` of a target; `default` for the single-cluster form). */
  readonly name: string;
  readonly isDefault: boolean;
  readonly kube: KubeApi;
}

export interface ClusterSet {
  /** Every configured cluster, in config order. */
  readonly all: readonly ClusterEntry[];
  /** The cluster of targets that name none. */
  readonly defaultCluster: ClusterEntry;
  get(name: string): ClusterEntry | undefined;
}
