/**
 * `pods [NS]`: the pods this user may exec into. One policy review per namespace (config
 * scope, then create and get on pods/exec as the user), never one per pod; then the
 * namespace's pods as the user, narrowed by the policy's pod filter (the config's podSelector).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { PodgateError } from '../errors/index.ts';
import { dns1123LabelError } from '../target/k8s-names.ts';
import { decisionError, mayUseNamespace, podFilterOf } from '../policy/index.ts';
import type { UserContext } from '../session/extensions.ts';
import { execNamespaces, mayExecIn } from './namespaces.ts';
import { age, printable } from './table.ts';

export interface PodRow {
  /** The cluster it is in (docs/clusters.md). */
  cluster: string;
  namespace: string;
  pod: string;
  ready: string;
  status: string;
  restarts: number;
  age: string;
  containers: string[];
  /** The exact SSH user name that enters this pod. */
  target: string;
}

/**
 * `reviewed`: namespaces already known to allow exec (from `execNamespaces`), so the caller's
 * access reviews are not made twice.
 */
export async function allowedPods(ctx: UserContext, namespace?: string, reviewed?: string[]): Promise<PodRow[]> {
  let namespaces: string[];
  if (namespace !== undefined) {
    const bad = dns1123LabelError(namespace);
    if (bad) throw new PodgateError('TARGET_INVALID', `namespace "${namespace}": ${bad}`);
    const scope = decisionError(mayUseNamespace(ctx.user, namespace));
    if (scope) throw scope;
    namespaces = (await mayExecIn(ctx, namespace)) ? [namespace] : [];
  } else {
    namespaces = reviewed ?? (await execNamespaces(ctx));
  }
  const filter = podFilterOf(ctx.user);
  const perNs = await Promise.all(namespaces.map(async (ns) => {
    try {
      const pods = await ctx.kube.listPods(ns, ctx.identity);
      // With several clusters the target names its cluster (docs/clusters.md), the default one too.
      const prefix = ctx.clusters.all.length > 1 ? `${ctx.cluster}_` : '';
      return pods.filter((p) => !filter || filter(p.metadata?.labels)).map((p) => toRow(ctx.user.name, ctx.cluster, prefix, ns, p));
    } catch (e) {
      if (e instanceof PodgateError && e.code === 'FORBIDDEN') return [];
      throw e;
    }
  }));
  return perNs.flat().sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
}

function toRow(user: string, cluster: string, prefix: string, namespace: string, pod: V1Pod): PodRow {
  const name = pod.metadata?.name ?? '?';
  const statuses = pod.status?.containerStatuses ?? [];
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const ready = statuses.filter((s) => s.ready).length;
  return {
    cluster,
    namespace,
    pod: printable(name),
    ready: `${ready}/${containers.length}`,
    status: printable(podStatus(pod)),
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    age: age(pod.status?.startTime ?? pod.metadata?.creationTimestamp),
    containers: containers.map(printable),
    target: printable(`${user}+${prefix}${name}.${namespace}`),
  };
}

/** kubectl's STATUS column: the pod's reason, a waiting/terminated container reason, or the phase. */
function podStatus(pod: V1Pod): string {
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  if (pod.status?.reason) return pod.status.reason;
  for (const s of pod.status?.containerStatuses ?? []) {
    if (s.state?.waiting?.reason) return s.state.waiting.reason;
    if (s.state?.terminated?.reason && pod.status?.phase !== 'Succeeded') return s.state.terminated.reason;
  }
  if (pod.status?.phase === 'Succeeded') return 'Completed';
  return pod.status?.phase ?? 'Unknown';
}
