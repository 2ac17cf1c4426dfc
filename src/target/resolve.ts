/**
 * Resolution of a parsed target to one container of one pod (docs/contract.md §1), as the user's identity: pod by
 * name, else a Running and Ready pod of a Deployment/StatefulSet/DaemonSet/Job of that name,
 * then phase and container checks. Whether the user may use the namespace at all (config
 * narrowing, access review) is src/policy's question, asked before this runs.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { PodgateError } from '../errors/index.ts';
import type { ContainerRef, Identity, KubeApi, WorkloadKind } from '../kube/types.ts';
import { isWorkloadKind } from './grammar.ts';
import type { TargetSpec } from './types.ts';

export interface ResolvedTarget extends ContainerRef {
  /** The pod as the API returned it. */
  podObject: V1Pod;
  /** Set when the pod was picked for a workload. */
  workload?: { kind: WorkloadKind; name: string };
}

export interface ResolveOptions {
  kube: Pick<KubeApi, 'getPod' | 'listPods' | 'getWorkloadSelector'>;
  identity: Identity;
  /** The user's defaultNamespace, else the config's. */
  defaultNamespace: string;
  /** The pods the user may use (the config's podSelector, from src/policy); absent: any. */
  podFilter?: (labels: Record<string, string> | undefined) => boolean;
  /** The pod and container must be running (not for logs). Default true. */
  mustRun?: boolean;
}

/** Tried in this order when the name is not a pod (docs/contract.md §1). */
const AUTO_KINDS: WorkloadKind[] = ['deployment', 'statefulset', 'daemonset', 'job'];

export async function resolveTarget(spec: TargetSpec, opts: ResolveOptions): Promise<ResolvedTarget> {
  const namespace = spec.namespace ?? opts.defaultNamespace;
  const podFilter = opts.podFilter ?? null;

  let pod: V1Pod | null = null;
  let workload: ResolvedTarget['workload'];
  if (spec.kind === 'auto' || spec.kind === 'pod') {
    pod = await getPodAs(opts, namespace, spec.name);
    if (pod && podFilter && !podFilter(pod.metadata?.labels)) {
      throw new PodgateError('POLICY_DENIED', `pod "${spec.name}" in namespace "${namespace}" is not allowed for ${opts.identity.user} by podgate's config`);
    }
  }
  if (!pod && spec.kind !== 'pod') {
    const kinds = isWorkloadKind(spec.kind) ? [spec.kind] : AUTO_KINDS;
    for (const kind of kinds) {
      const selector = await workloadSelector(opts, kind, namespace, spec.name);
      if (selector === null) continue;
      workload = { kind, name: spec.name };
      pod = await pickReadyPod(opts, namespace, kind, spec.name, selector, podFilter);
      break;
    }
  }
  if (!pod) {
    const what = spec.kind === 'auto' ? 'pod or workload' : spec.kind;
    throw new PodgateError('POD_NOT_FOUND', `${what} "${spec.name}" not found in namespace "${namespace}"`);
  }
  const podName = pod.metadata?.name ?? spec.name;
  const phase = pod.status?.phase ?? 'Unknown';
  // Logs are read from pods in any phase; the log API itself says why there are none.
  const mustRun = opts.mustRun !== false;
  if (mustRun && phase !== 'Running') {
    throw new PodgateError('POD_NOT_RUNNING', `pod "${podName}" in namespace "${namespace}" is ${phase}, not Running`);
  }
  const container = pickContainer(pod, spec.container, namespace, mustRun);
  return { namespace, pod: podName, container, podObject: pod, ...(workload ? { workload } : {}) };
}

async function getPodAs(opts: ResolveOptions, namespace: string, name: string): Promise<V1Pod | null> {
  try {
    return await opts.kube.getPod(namespace, name, opts.identity);
  } catch (e) {
    if (e instanceof PodgateError && e.code === 'FORBIDDEN') {
      throw new PodgateError('FORBIDDEN', `${opts.identity.user} may not get pods in namespace "${namespace}"`, { operatorMessage: e.operatorMessage, cause: e });
    }
    throw e;
  }
}

async function workloadSelector(opts: ResolveOptions, kind: WorkloadKind, namespace: string, name: string): Promise<string | null> {
  try {
    return await opts.kube.getWorkloadSelector(kind, namespace, name, opts.identity);
  } catch (e) {
    // A kind the user may not read, or that is absent, is simply not the one meant.
    if (e instanceof PodgateError && (e.code === 'POD_NOT_FOUND' || e.code === 'FORBIDDEN')) return null;
    throw e;
  }
}

function isReady(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  if (pod.status?.phase !== 'Running') return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

async function pickReadyPod(opts: ResolveOptions, namespace: string, kind: WorkloadKind, name: string, selector: string, podFilter: ((l: Record<string, string> | undefined) => boolean) | null): Promise<V1Pod> {
  const pods = await opts.kube.listPods(namespace, opts.identity, { labelSelector: selector });
  const ready = pods.filter((p) => isReady(p) && (!podFilter || podFilter(p.metadata?.labels)));
  if (ready.length === 0) {
    throw new PodgateError('NO_READY_POD', `${kind} "${name}" in namespace "${namespace}" has no Running and Ready pod (${pods.length} pod(s) found)`);
  }
  ready.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return ready[0];
}

/** The named container, else the default-container annotation, else the first; it must run. */
function pickContainer(pod: V1Pod, wanted: string | undefined, namespace: string, mustRun: boolean): string {
  const podName = pod.metadata?.name ?? '';
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  const name = wanted ?? (annotated && names.includes(annotated) ? annotated : names[0]);
  if (!name || !names.includes(name)) {
    throw new PodgateError('CONTAINER_NOT_FOUND', `pod "${podName}" in namespace "${namespace}" has no container "${wanted ?? ''}" (containers: ${names.join(', ')})`);
  }
  const status = (pod.status?.containerStatuses ?? []).find((s) => s.name === name);
  if (mustRun && status && !status.state?.running) {
    const why = status.state?.waiting?.reason ?? status.state?.terminated?.reason ?? 'not running';
    throw new PodgateError('POD_NOT_RUNNING', `container "${name}" of pod "${podName}" in namespace "${namespace}" is not running (${why})`);
  }
  return name;
}
