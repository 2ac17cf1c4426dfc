/**
 * One API probe per cluster (docs/clusters.md), each with its own timer and its client's own
 * request timeout, so a cluster that hangs never delays another's probe. Readiness follows the
 * default cluster's (src/health/readiness.ts); `podgate_cluster_up{cluster}` shows each.
 */
import type { Logger } from 'pino';
import { startApiProbe, type ApiProbe } from '../health/api-probe.ts';
import type { ClusterRegistry } from './registry.ts';

export function startClusterProbes(clusters: ClusterRegistry, opts: { intervalMs: number; logger: Logger }): ApiProbe {
  const probes = clusters.all.map((c) => startApiProbe({
    probe: () => c.kube.probe(), intervalMs: opts.intervalMs, logger: opts.logger, cluster: { name: c.name, isDefault: c.isDefault },
  }));
  return {
    first: Promise.all(probes.map((p) => p.first)).then(() => undefined),
    stop: () => probes.forEach((p) => p.stop()),
  };
}
