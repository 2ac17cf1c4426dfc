/**
 * The cluster registry of the composition root: one Kubernetes client per configured cluster
 * (`clusters:`, or the single cluster of `kubernetes:`, named `default`), built at start-up so a
 * bad kubeconfig fails there. Each client has its own connections and request timeout, so a
 * cluster that hangs never holds up another.
 */
import type { Logger } from 'pino';
import type { ClusterConfig, PodgateConfig } from '../config/types.ts';
import { IMPLICIT_CLUSTER } from '../config/cluster-semantics.ts';
import { PodgateError } from '../errors/index.ts';
import { createKubeApi, type KubeClient } from '../kube/index.ts';
import type { PodExecutor } from '../kube/types.ts';
import type { ClusterEntry, ClusterSet } from './types.ts';

interface OwnedCluster extends ClusterEntry {
  readonly kube: KubeClient;
}

export interface ClusterRegistry extends ClusterSet {
  readonly all: readonly OwnedCluster[];
  readonly defaultCluster: OwnedCluster;
  /** Drops idle kept-alive connections of every client (at shutdown). */
  close(): void;
}

/** The configured clusters; the single-cluster form is one cluster named `default`. */
export function clusterConfigs(config: Pick<PodgateConfig, 'clusters' | 'kubernetes'>): ClusterConfig[] {
  if (config.clusters.length > 0) {
    // A single cluster is the default even when not marked (config validation asks for the mark only with two or more).
    return config.clusters.length === 1 ? [{ ...config.clusters[0], default: true }] : config.clusters;
  }
  const { kubeconfig, context } = config.kubernetes;
  return [{ name: IMPLICIT_CLUSTER, default: true, ...(kubeconfig === undefined ? {} : { kubeconfig }), ...(context === undefined ? {} : { context }) }];
}

/** Builds every cluster's client; throws CONFIG_INVALID (naming the cluster) for a bad kubeconfig. */
export function createClusterRegistry(config: Pick<PodgateConfig, 'clusters' | 'kubernetes'>, logger: Logger): ClusterRegistry {
  const all: OwnedCluster[] = [];
  for (const c of clusterConfigs(config)) {
    try {
      const kube = createKubeApi({
        requestTimeoutMs: config.kubernetes.requestTimeoutMs,
        logger: logger.child({ cluster: c.name }),
        ...(c.kubeconfig === undefined ? {} : { kubeconfig: c.kubeconfig }),
        ...(c.context === undefined ? {} : { context: c.context }),
      });
      all.push({ name: c.name, isDefault: c.default, kube });
    } catch (err) {
      for (const done of all) done.kube.close();
      if (err instanceof PodgateError && config.clusters.length > 0) {
        throw new PodgateError(err.code, `cluster "${c.name}": ${err.userMessage}`, { operatorMessage: `cluster "${c.name}": ${err.operatorMessage}`, cause: err });
      }
      throw err;
    }
  }
  const byName = new Map(all.map((c) => [c.name, c]));
  return {
    all,
    defaultCluster: all.find((c) => c.isDefault) ?? all[0],
    get: (name) => byName.get(name),
    close: () => all.forEach((c) => c.kube.close()),
  };
}

/**
 * The reaper's executor: each exec goes to the cluster its target names (journal entries
 * of podgate versions before clusters name none: the default cluster).
 */
export function clusterExecutor(clusters: ClusterSet): PodExecutor {
  return {
    exec(req) {
      const c = req.cluster === undefined ? clusters.defaultCluster : clusters.get(req.cluster);
      if (!c) return Promise.reject(new PodgateError('CLUSTER_UNKNOWN', `no cluster "${req.cluster ?? ''}" is configured`));
      return c.kube.exec(req);
    },
  };
}
