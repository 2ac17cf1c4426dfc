/**
 * How a detached session is named and labelled as a Lease: `podgate-session-<id>`, with labels
 * that let a replica list one user's sessions (`podgate.dev/user`) and annotations that carry
 * what labels cannot (values over 63 characters, the target as typed).
 */
import { createHash } from 'node:crypto';

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'podgate' } as const;
export const LABEL_USER = 'podgate.dev/user';
export const LABEL_SESSION = 'podgate.dev/session';
export const ANNOTATION_USER = 'podgate.dev/user';
export const ANNOTATION_TARGET = 'podgate.dev/target';
export const ANNOTATION_DETACHED_AT = 'podgate.dev/detached-at';
export const ANNOTATION_STARTED_AT = 'podgate.dev/started-at';
export const ANNOTATION_NAMESPACE = 'podgate.dev/namespace';
export const ANNOTATION_POD = 'podgate.dev/pod';
export const ANNOTATION_CONTAINER = 'podgate.dev/container';
/** The configured cluster of the session's pod (absent on Leases of older replicas: the default cluster). */
export const ANNOTATION_CLUSTER = 'podgate.dev/cluster';
/** `attached` or `detached` (absent on Leases of older replicas, which published only detached sessions). */
export const ANNOTATION_STATE = 'podgate.dev/state';
/** `linger`: the lingering processes of a dropped non-PTY session (absent: a PTY session). */
export const ANNOTATION_KIND = 'podgate.dev/kind';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const NAME_PART = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A label value for any string: itself when valid, else a stable hash (the annotation keeps the original). */
export function labelValue(v: string): string {
  if (v.length <= 63 && LABEL_VALUE.test(v)) return v;
  return `h-${createHash('sha256').update(v).digest('hex').slice(0, 40)}`;
}

export function leaseName(sessionId: string): string {
  const id = sessionId.toLowerCase();
  const part = id.length <= 200 && NAME_PART.test(id) ? id : `h-${createHash('sha256').update(sessionId).digest('hex').slice(0, 40)}`;
  return `podgate-session-${part}`;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
