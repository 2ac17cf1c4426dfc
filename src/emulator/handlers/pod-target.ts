/**
 * The pod and container a pods/{exec,attach,portforward,log} request names, resolved as
 * pkg/registry/core/pod/strategy.go does (404, container validation, default container).
 */
import type { ServerContext } from '../context.ts';
import { findPod } from '../context.ts';
import type { KubeObject } from '../types.ts';
import type { Status } from '../status.ts';
import { badRequest, notFound } from '../status.ts';
import { podContainers } from '../pod-view.ts';

export type PodTarget = { ok: true; pod: KubeObject; container: string } | { ok: false; status: Status };

export function resolvePodContainer(ctx: ServerContext, namespace: string, name: string, container: string | null, needContainer = true): PodTarget {
  const pod = findPod(ctx, namespace, name);
  if (!pod) return { ok: false, status: notFound({ group: '', resource: 'pods' }, name) };
  if (!needContainer) return { ok: true, pod, container: '' };
  const names = podContainers(pod).map((c) => c.name);
  const inits = ((pod.spec as { initContainers?: { name: string }[] } | undefined)?.initContainers ?? []).map((c) => c.name);
  if (container === null || container === '') {
    if (names.length === 1) return { ok: true, pod, container: names[0] };
    if (names.length === 0) return { ok: false, status: badRequest(`a container name must be specified for pod ${name}`) };
    let msg = `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`;
    if (inits.length > 0) msg += ` or one of the init containers: [${inits.join(' ')}]`;
    return { ok: false, status: badRequest(msg) };
  }
  if (!names.includes(container) && !inits.includes(container)) {
    return { ok: false, status: badRequest(`container ${container} is not valid for pod ${name}`) };
  }
  return { ok: true, pod, container };
}

/** Convert_Slice_string_To_bool: absent false; "0" or "false" (any case) false; anything else true. */
export function queryBool(q: URLSearchParams, key: string): boolean {
  const v = q.getAll(key);
  if (v.length === 0) return false;
  return !(v[0] === '0' || v[0].toLowerCase() === 'false');
}
