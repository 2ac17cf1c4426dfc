/**
 * Pods as the API serves them: the fixture's spec plus a status built from the runtime's live
 * container states (phase, conditions, containerStatuses, IPs, times), like the kubelet reports.
 */
import type { ContainerRuntime, ContainerState, RuntimePodSpec } from './runtime/types.ts';
import type { EmulatorConfig, KubeObject } from './types.ts';

interface ContainerSpec {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  workingDir?: string;
  securityContext?: { runAsUser?: number; runAsGroup?: number };
}

interface DeclaredContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; terminated?: { exitCode?: number; reason?: string }; running?: unknown };
}

export function podContainers(pod: KubeObject): ContainerSpec[] {
  const spec = pod.spec as { containers?: ContainerSpec[] } | undefined;
  return spec?.containers ?? [];
}

function declared(pod: KubeObject): { phase?: string; containerStatuses?: DeclaredContainerStatus[] } {
  return (pod.status as { phase?: string; containerStatuses?: DeclaredContainerStatus[] } | undefined) ?? {};
}

function imageKind(image: string | undefined, config: EmulatorConfig): string {
  const img = image ?? 'debian';
  const mapped = config.images?.[img];
  if (mapped) return mapped;
  return img.includes('busybox') ? 'busybox' : 'debian';
}

/** The runtime's view of a fixture pod, and the states of containers that must not start. */
export function runtimeSpec(pod: KubeObject, config: EmulatorConfig): { spec: RuntimePodSpec; states: Record<string, ContainerState> } {
  const podSec = ((pod.spec as { securityContext?: { runAsUser?: number; runAsGroup?: number } } | undefined)?.securityContext) ?? {};
  const ns = pod.metadata.namespace ?? 'default';
  const spec: RuntimePodSpec = {
    uid: pod.metadata.uid ?? '', namespace: ns, name: pod.metadata.name,
    containers: podContainers(pod).map((c) => {
      const command = [...(c.command ?? []), ...(c.args ?? [])];
      const runAsUser = c.securityContext?.runAsUser ?? podSec.runAsUser;
      const runAsGroup = c.securityContext?.runAsGroup ?? podSec.runAsGroup;
      return {
        name: c.name,
        image: imageKind(c.image, config),
        ...(command.length > 0 ? { command } : {}),
        ...(c.env ? { env: c.env.map((e) => ({ name: e.name, value: e.value ?? '' })) } : {}),
        ...(c.workingDir ? { workingDir: c.workingDir } : {}),
        ...(runAsUser !== undefined ? { runAsUser } : {}),
        ...(runAsGroup !== undefined ? { runAsGroup } : {}),
      };
    }),
  };
  const prev = config.previousLogs?.[`${ns}/${pod.metadata.name}`];
  if (prev) spec.previousLogs = prev;
  const states: Record<string, ContainerState> = {};
  const now = new Date().toISOString();
  for (const cs of declared(pod).containerStatuses ?? []) {
    if (cs.state?.waiting) states[cs.name] = { state: 'waiting', reason: cs.state.waiting.reason ?? 'ContainerCreating' };
    else if (cs.state?.terminated) states[cs.name] = { state: 'terminated', exitCode: cs.state.terminated.exitCode ?? 0, reason: cs.state.terminated.reason ?? 'Completed', finishedAt: now };
  }
  const phase = declared(pod).phase;
  for (const c of podContainers(pod)) {
    if (states[c.name]) continue;
    if (phase === 'Pending') states[c.name] = { state: 'waiting', reason: 'ContainerCreating' };
    if (phase === 'Succeeded') states[c.name] = { state: 'terminated', exitCode: 0, reason: 'Completed', finishedAt: now };
    if (phase === 'Failed') states[c.name] = { state: 'terminated', exitCode: 1, reason: 'Error', finishedAt: now };
  }
  return { spec, states };
}

function secondsAgo(iso: string, s: number): string {
  return new Date(Date.parse(iso) - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}
function trimIso(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d+Z$/, 'Z');
}

export interface PodViewContext {
  runtime: ContainerRuntime;
  podIP: (pod: KubeObject) => string;
}

/** The pod with spec.nodeName and a live status. */
export function podView(pod: KubeObject, ctx: PodViewContext): KubeObject {
  const out = structuredClone(pod);
  const spec = (out.spec ?? {}) as Record<string, unknown>;
  spec.nodeName ??= 'emulator-node';
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.serviceAccountName ??= 'default';
  spec.terminationGracePeriodSeconds ??= 30;
  out.spec = spec;
  const decl = declared(pod);
  const created = pod.metadata.creationTimestamp ?? new Date().toISOString();
  const startTime = secondsAgo(created, -1);
  let anyWaiting = false;
  let allTerminated = true;
  let anyFailed = false;
  let allReady = true;
  const containerStatuses = podContainers(pod).map((c) => {
    const d = decl.containerStatuses?.find((x) => x.name === c.name);
    let st: ContainerState;
    try { st = ctx.runtime.containerState(pod.metadata.uid ?? '', c.name); } catch { st = { state: 'waiting', reason: 'ContainerCreating' }; }
    const restartCount = d?.restartCount ?? 0;
    const containerID = `containerd://${Buffer.from(`${pod.metadata.uid}/${c.name}`).toString('hex').slice(0, 64).padEnd(64, '0')}`;
    let state: Record<string, unknown>;
    let ready = false;
    if (st.state === 'running') {
      allTerminated = false;
      ready = d?.ready !== false;
      state = { running: { startedAt: trimIso(st.startedAt) } };
    } else if (st.state === 'waiting') {
      allTerminated = false;
      anyWaiting = true;
      state = { waiting: { reason: st.reason } };
    } else {
      if (st.exitCode !== 0) anyFailed = true;
      state = { terminated: { exitCode: st.exitCode, reason: st.reason, startedAt: startTime, finishedAt: trimIso(st.finishedAt), containerID } };
    }
    if (!ready) allReady = false;
    const lastState = restartCount > 0
      ? { terminated: { exitCode: 1, reason: 'Error', startedAt: secondsAgo(created, -2), finishedAt: secondsAgo(created, -3), containerID } }
      : {};
    return {
      name: c.name, state, lastState, ready, restartCount,
      image: c.image ?? 'debian', imageID: `docker.io/library/${c.image ?? 'debian'}@sha256:${'0'.repeat(64)}`,
      ...(st.state === 'waiting' ? {} : { containerID }),
      started: st.state === 'running',
    };
  });
  const phase = decl.phase ?? (anyWaiting ? 'Pending' : allTerminated && containerStatuses.length > 0 ? (anyFailed ? 'Failed' : 'Succeeded') : 'Running');
  const condTime = secondsAgo(created, -1);
  const cond = (type: string, status: boolean, reason?: string): Record<string, unknown> => ({
    type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: condTime, ...(reason && !status ? { reason } : {}),
  });
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const podIP = ctx.podIP(pod);
  out.status = {
    phase,
    conditions: [
      cond('PodReadyToStartContainers', !anyWaiting),
      cond('Initialized', true),
      cond('Ready', allReady && !terminal, terminal ? 'PodCompleted' : 'ContainersNotReady'),
      cond('ContainersReady', allReady && !terminal, terminal ? 'PodCompleted' : 'ContainersNotReady'),
      cond('PodScheduled', true),
    ],
    hostIP: '10.0.0.10', hostIPs: [{ ip: '10.0.0.10' }],
    ...(anyWaiting ? {} : { podIP, podIPs: [{ ip: podIP }] }),
    startTime,
    containerStatuses,
    qosClass: 'BestEffort',
  };
  return out;
}

export function podReady(pod: KubeObject): boolean {
  const conds = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}
