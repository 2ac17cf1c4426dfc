/**
 * What every handler needs: the object store, the authorizer, the runtime and the fixture's
 * emulator config, plus views of pods and workloads with live status.
 */
import type { ContainerRuntime } from './runtime/types.ts';
import type { EmulatorConfig, KubeObject } from './types.ts';
import type { Authorizer, UserInfo } from './rbac.ts';
import type { ObjectStore } from './store.ts';
import type { ServerVersion } from './server-version.ts';
import type { RequestInfo } from './request-info.ts';
import type { RequestLogEntry } from './types.ts';
import { findResource } from './resources.ts';
import { podView } from './pod-view.ts';
import { selectedPods, workloadView } from './workload-view.ts';

export interface ServerContext {
  store: ObjectStore;
  authz: Authorizer;
  runtime: ContainerRuntime;
  config: EmulatorConfig;
  /** The Kubernetes version reported on /version; some authorization rules follow it. */
  version: ServerVersion;
  /** host:port the server listens on (for discovery's serverAddressByClientCIDRs). */
  address: () => string;
}

/** One request after authentication: who, what, and its request-log entry. */
export interface RequestScope {
  user: UserInfo;
  info: RequestInfo;
  query: URLSearchParams;
  entry: RequestLogEntry;
}

const POD_DEF = findResource('', 'v1', 'pods')!;
const podIPs = new Map<string, string>();

function podIP(pod: KubeObject): string {
  const uid = pod.metadata.uid ?? '';
  let ip = podIPs.get(uid);
  if (ip === undefined) {
    const i = podIPs.size + 10;
    ip = `10.244.${Math.floor(i / 250)}.${(i % 250) + 2}`;
    podIPs.set(uid, ip);
  }
  return ip;
}

function viewPod(ctx: ServerContext, pod: KubeObject): KubeObject {
  return podView(pod, { runtime: ctx.runtime, podIP });
}

function viewPodsIn(ctx: ServerContext, namespace: string): KubeObject[] {
  return ctx.store.list(POD_DEF, namespace).map((p) => viewPod(ctx, p));
}

export function findPod(ctx: ServerContext, namespace: string, name: string): KubeObject | undefined {
  return ctx.store.get(POD_DEF, namespace, name);
}

/** Any stored object as served: pods and workloads get their live status. */
export function viewObject(ctx: ServerContext, o: KubeObject): KubeObject {
  if (o.kind === 'Pod') return viewPod(ctx, o);
  if (o.kind === 'Namespace') {
    const out = structuredClone(o);
    out.metadata.labels = { 'kubernetes.io/metadata.name': o.metadata.name, ...(o.metadata.labels ?? {}) };
    out.spec = { finalizers: ['kubernetes'] };
    out.status = { phase: 'Active' };
    return out;
  }
  if (['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind)) {
    return workloadView(o, selectedPods(o, viewPodsIn(ctx, o.metadata.namespace ?? 'default')));
  }
  return o;
}
