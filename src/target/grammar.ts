/**
 * The SSH user name grammar of docs/contract.md §1 and docs/clusters.md:
 *   USER [ "+" TARGET ],  TARGET = [ CLUSTER "_" ] WORKLOAD [ "." NAMESPACE ] [ "+" CONTAINER ],
 *   WORKLOAD = POD | NAME | KIND "~" NAME.
 * `_` occurs in no Kubernetes name, so a TARGET without `_` parses exactly as it did before
 * clusters existed, and the part before the one `_` can only be a cluster (never a namespace).
 * `splitUser` never fails (authentication only needs USER); `parseTarget` validates every part
 * as a Kubernetes name and throws TARGET_INVALID with a message that says which part is wrong.
 */
import { PodgateError } from '../errors/index.ts';
import type { WorkloadKind } from '../kube/types.ts';
import { dns1123LabelError, dns1123SubdomainError } from './k8s-names.ts';
import type { TargetKind, TargetSpec } from './types.ts';

/** A Map, so user text such as `constructor~x` never reaches an object's prototype. */
const KINDS: ReadonlyMap<string, TargetKind> = new Map<string, TargetKind>([
  ['pod', 'pod'], ['po', 'pod'], ['pods', 'pod'],
  ['deploy', 'deployment'], ['deployment', 'deployment'],
  ['sts', 'statefulset'], ['statefulset', 'statefulset'],
  ['ds', 'daemonset'], ['daemonset', 'daemonset'],
  ['rs', 'replicaset'], ['replicaset', 'replicaset'],
  ['job', 'job'],
]);

const ALLOWED_CHARS = /^[A-Za-z0-9._~+-]*$/;

/** USER and the rest after the first `+` (null when there is no `+`). */
export function splitUser(sshUser: string): { user: string; rest: string | null } {
  const plus = sshUser.indexOf('+');
  if (plus < 0) return { user: sshUser, rest: null };
  return { user: sshUser.slice(0, plus), rest: sshUser.slice(plus + 1) };
}

function invalid(raw: string, why: string): PodgateError {
  return new PodgateError('TARGET_INVALID', `invalid target "${raw}": ${why} (use [CLUSTER_]POD[.NAMESPACE][+CONTAINER] or [CLUSTER_]KIND~NAME[.NAMESPACE][+CONTAINER])`);
}

/** Parses TARGET (the part after USER+). Throws PodgateError TARGET_INVALID. */
export function parseTarget(raw: string): TargetSpec {
  if (raw.length === 0) throw invalid(raw, 'nothing after "+"');
  if (!ALLOWED_CHARS.test(raw)) throw invalid(raw, 'only letters, digits and . _ ~ + - may appear');
  const underscore = raw.indexOf('_');
  if (underscore < 0) return parseLocal(raw, raw);
  // Several clusters (docs/clusters.md): CLUSTER_ before the rest, which is the old grammar.
  const cluster = raw.slice(0, underscore);
  const rest = raw.slice(underscore + 1);
  const err = dns1123LabelError(cluster);
  if (err) throw invalid(raw, `cluster name "${cluster}" ${err}`);
  if (rest.includes('_')) throw invalid(raw, 'at most one "_" may appear, after the cluster name');
  if (rest.length === 0) throw invalid(raw, `nothing after "${cluster}_"`);
  return { ...parseLocal(rest, raw), cluster };
}

/** TARGET without a cluster: the grammar as it was before clusters. */
function parseLocal(text: string, raw: string): TargetSpec {
  const parts = text.split('+');
  if (parts.length > 2) throw invalid(raw, 'at most one "+CONTAINER" may follow the workload');
  const [workloadPart, container] = parts as [string, string | undefined];
  if (container !== undefined) {
    const err = dns1123LabelError(container);
    if (err) throw invalid(raw, `container name "${container}" ${err}`);
  }
  let namePart = workloadPart;
  let namespace: string | undefined;
  const dot = workloadPart.lastIndexOf('.');
  if (dot >= 0) {
    namespace = workloadPart.slice(dot + 1);
    namePart = workloadPart.slice(0, dot);
    const err = dns1123LabelError(namespace);
    if (err) throw invalid(raw, `namespace "${namespace}" ${err}`);
  }
  let kind: TargetKind = 'auto';
  let name = namePart;
  const tilde = namePart.indexOf('~');
  if (tilde >= 0) {
    const kindText = namePart.slice(0, tilde);
    const k = KINDS.get(kindText.toLowerCase());
    if (!k) throw invalid(raw, `unknown kind "${kindText}" (one of pod, deploy, sts, ds, rs, job)`);
    kind = k;
    name = namePart.slice(tilde + 1);
  }
  const err = dns1123SubdomainError(name);
  if (err) throw invalid(raw, `name "${name}" ${err}`);
  const spec: TargetSpec = { kind, name, raw };
  if (namespace !== undefined) spec.namespace = namespace;
  if (container !== undefined) spec.container = container;
  return spec;
}

export function isWorkloadKind(kind: TargetKind): kind is WorkloadKind {
  return kind !== 'auto' && kind !== 'pod';
}
