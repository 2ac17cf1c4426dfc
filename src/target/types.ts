/** What a parsed SSH user name asks for (docs/contract.md §1), before any API call. */
import type { WorkloadKind } from '../kube/types.ts';

/** `auto`: a pod of that name, else a Deployment, StatefulSet, DaemonSet or Job of that name. */
export type TargetKind = 'auto' | 'pod' | WorkloadKind;

export interface TargetSpec {
  kind: TargetKind;
  name: string;
  /** Absent: the user's default namespace, else the config's. */
  namespace?: string;
  /** Absent: the pod's default container. */
  container?: string;
  /** The cluster named before `_` (docs/clusters.md); absent: the default cluster. */
  cluster?: string;
  /** The target as the user typed it (for messages and audit). */
  raw: string;
}
