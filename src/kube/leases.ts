/**
 * coordination.k8s.io/v1 Leases, as podgate's own service account (never impersonated): how
 * replicas publish and find detached sessions (src/replicas). Writes use the API's optimistic
 * concurrency: a replace carries the resourceVersion it read and gets 'conflict' when another
 * writer came first; a create of an existing name gets 'conflict' too.
 */
import type { RestClient, RestWriteResult } from './rest.ts';

export interface Lease {
  name: string;
  /** Absent on a Lease not yet stored. */
  resourceVersion?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** RFC 3339 with microseconds (MicroTime). */
  acquireTime?: string;
  renewTime?: string;
}

export type LeaseWrite = { status: 'ok'; lease: Lease } | { status: 'conflict' } | { status: 'not-found' };

const enc = encodeURIComponent;
const base = (ns: string): string => `/apis/coordination.k8s.io/v1/namespaces/${enc(ns)}/leases`;

interface LeaseJson {
  metadata?: { name?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string };
}

function fromJson(j: LeaseJson): Lease {
  const out: Lease = {
    name: j.metadata?.name ?? '',
    resourceVersion: j.metadata?.resourceVersion,
    labels: j.metadata?.labels ?? {},
    holderIdentity: j.spec?.holderIdentity ?? '',
    leaseDurationSeconds: j.spec?.leaseDurationSeconds ?? 0,
  };
  if (j.metadata?.annotations) out.annotations = j.metadata.annotations;
  if (j.spec?.acquireTime) out.acquireTime = j.spec.acquireTime;
  if (j.spec?.renewTime) out.renewTime = j.spec.renewTime;
  return out;
}

function toJson(ns: string, l: Lease): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: l.name, namespace: ns, labels: l.labels };
  if (l.annotations) metadata.annotations = l.annotations;
  if (l.resourceVersion) metadata.resourceVersion = l.resourceVersion;
  const spec: Record<string, unknown> = { holderIdentity: l.holderIdentity, leaseDurationSeconds: l.leaseDurationSeconds };
  if (l.acquireTime) spec.acquireTime = l.acquireTime;
  if (l.renewTime) spec.renewTime = l.renewTime;
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec };
}

const written = (r: RestWriteResult): LeaseWrite => (r.status === 'ok' ? { status: 'ok', lease: fromJson(r.json as LeaseJson) } : r);

export async function createLease(rest: RestClient, ns: string, lease: Lease): Promise<LeaseWrite> {
  return written(await rest.write({ method: 'POST', path: base(ns), identity: null, body: toJson(ns, { ...lease, resourceVersion: undefined }), what: `create lease ${ns}/${lease.name}` }));
}

/** PUT with the resourceVersion of `lease` (a stale one: 'conflict'). */
export async function replaceLease(rest: RestClient, ns: string, lease: Lease): Promise<LeaseWrite> {
  return written(await rest.write({ method: 'PUT', path: `${base(ns)}/${enc(lease.name)}`, identity: null, body: toJson(ns, lease), what: `update lease ${ns}/${lease.name}` }));
}

export async function getLease(rest: RestClient, ns: string, name: string): Promise<Lease | null> {
  const r = await rest.request({ method: 'GET', path: `${base(ns)}/${enc(name)}`, identity: null, what: `get lease ${ns}/${name}` });
  return r.status === 'ok' ? fromJson(r.json as LeaseJson) : null;
}

/** Deletes if present; with `resourceVersion`, only that version (a newer one: 'conflict'). */
export async function deleteLease(rest: RestClient, ns: string, name: string, resourceVersion?: string): Promise<'ok' | 'conflict' | 'not-found'> {
  const body = resourceVersion ? { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { resourceVersion } } : undefined;
  const r = await rest.write({ method: 'DELETE', path: `${base(ns)}/${enc(name)}`, identity: null, body, what: `delete lease ${ns}/${name}` });
  return r.status;
}

export async function listLeases(rest: RestClient, ns: string, labelSelector: string): Promise<Lease[]> {
  const r = await rest.request({ method: 'GET', path: base(ns), query: { labelSelector }, identity: null, what: `list leases in ${ns}` });
  if (r.status !== 'ok') return [];
  return ((r.json as { items?: LeaseJson[] }).items ?? []).map(fromJson);
}
