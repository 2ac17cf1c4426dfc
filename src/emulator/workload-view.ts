/**
 * Workload objects with a status computed from the pods their selector matches, as the
 * controllers would report it.
 */
import type { KubeObject } from './types.ts';
import { matchLabels, selectorObjectToRequirements } from './selectors.ts';
import { podReady } from './pod-view.ts';

type Sel = Parameters<typeof selectorObjectToRequirements>[0];

function workloadSelector(o: KubeObject): Sel {
  return (o.spec as { selector?: Sel } | undefined)?.selector;
}

/** Pods (already viewed, with status) in the workload's namespace matched by its selector. */
export function selectedPods(o: KubeObject, podsInNs: KubeObject[]): KubeObject[] {
  const reqs = selectorObjectToRequirements(workloadSelector(o));
  if (reqs.length === 0) return [];
  return podsInNs.filter((p) => matchLabels(reqs, p.metadata.labels));
}

function omitZero(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== 0 && v !== undefined) out[k] = v;
  return out;
}

export function workloadView(o: KubeObject, pods: KubeObject[]): KubeObject {
  const out = structuredClone(o);
  out.metadata.generation ??= 1;
  const spec = (out.spec ?? {}) as Record<string, unknown>;
  const running = pods.filter((p) => (p.status as { phase?: string }).phase === 'Running');
  const ready = pods.filter(podReady).length;
  const total = running.length + pods.filter((p) => (p.status as { phase?: string }).phase === 'Pending').length;
  const created = o.metadata.creationTimestamp;
  switch (o.kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet': {
      spec.replicas ??= 1;
      const base = { observedGeneration: 1, replicas: total, readyReplicas: ready, availableReplicas: ready };
      if (o.kind === 'Deployment') {
        out.status = omitZero({ ...base, updatedReplicas: total, unavailableReplicas: Math.max(0, total - ready) });
        (out.status as Record<string, unknown>).conditions = [
          { type: 'Available', status: ready >= (spec.replicas as number) ? 'True' : 'False', reason: ready >= (spec.replicas as number) ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', lastUpdateTime: created, lastTransitionTime: created },
          { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', lastUpdateTime: created, lastTransitionTime: created },
        ];
      } else if (o.kind === 'ReplicaSet') {
        out.status = omitZero({ ...base, fullyLabeledReplicas: total });
      } else {
        out.status = { ...omitZero({ ...base, currentReplicas: total, updatedReplicas: total }), replicas: total, collisionCount: 0, currentRevision: `${o.metadata.name}-6b8d5f7c9`, updateRevision: `${o.metadata.name}-6b8d5f7c9` };
      }
      break;
    }
    case 'DaemonSet':
      out.status = { currentNumberScheduled: total, desiredNumberScheduled: total, numberMisscheduled: 0, numberReady: ready, observedGeneration: 1, ...omitZero({ numberAvailable: ready, updatedNumberScheduled: total }) };
      break;
    case 'Job': {
      const succeeded = pods.filter((p) => (p.status as { phase?: string }).phase === 'Succeeded').length;
      const failed = pods.filter((p) => (p.status as { phase?: string }).phase === 'Failed').length;
      const completions = (spec.completions as number | undefined) ?? 1;
      spec.completions = completions;
      spec.parallelism ??= 1;
      const complete = succeeded >= completions;
      out.status = {
        ...omitZero({ active: running.length, succeeded, failed }), ready, startTime: created, terminating: 0,
        ...(complete ? { completionTime: created, conditions: [
          { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', lastProbeTime: created, lastTransitionTime: created },
          { type: 'Complete', status: 'True', reason: 'CompletionsReached', lastProbeTime: created, lastTransitionTime: created },
        ] } : {}),
      };
      break;
    }
    default:
      break;
  }
  out.spec = spec;
  return out;
}
