import type { V1Pod } from '@kubernetes/client-node';
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { PodgateError } from '../errors/index.ts';
import type { AccessCheck, Identity, WorkloadKind } from './types.ts';
import type { RestClient } from './rest.ts';
import { selectorToString, type LabelSelectorJson } from './label-selector.ts';

const enc = encodeURIComponent;

/** Typed like client-node's own REST answers (Date fields are Dates). */
function toPod(json: unknown): V1Pod {
  return ObjectSerializer.deserialize(json, 'V1Pod') as V1Pod;
}

export async function getPod(rest: RestClient, namespace: string, name: string, identity: Identity): Promise<V1Pod | null> {
  const res = await rest.request({
    method: 'GET', path: `/api/v1/namespaces/${enc(namespace)}/pods/${enc(name)}`, identity, what: `get pod ${namespace}/${name}`,
  });
  return res.status === 'ok' ? toPod(res.json) : null;
}

export async function listPods(
  rest: RestClient, namespace: string | null, identity: Identity, opts: { labelSelector?: string; fieldSelector?: string } = {},
): Promise<V1Pod[]> {
  const path = namespace === null ? '/api/v1/pods' : `/api/v1/namespaces/${enc(namespace)}/pods`;
  const what = `list pods in ${namespace ?? 'all namespaces'}`;
  const res = await rest.request({
    method: 'GET', path, identity, what, query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
  });
  if (res.status === 'not-found') return [];
  const items = (res.json as { items?: unknown[] }).items ?? [];
  return items.map(toPod);
}

/** Namespace names, as podgate's own identity (no impersonation): the console's review scope. */
export async function listNamespaceNames(rest: RestClient): Promise<string[]> {
  const res = await rest.request({ method: 'GET', path: '/api/v1/namespaces', identity: null, what: 'list namespaces' });
  if (res.status === 'not-found') return [];
  const items = (res.json as { items?: { metadata?: { name?: string } }[] }).items ?? [];
  return items.map((n) => n.metadata?.name ?? '').filter((n) => n !== '').sort();
}

/** The API server's version (/version), as podgate's own identity. */
export async function getServerVersion(rest: RestClient): Promise<{ major: number; minor: number; gitVersion: string }> {
  const res = await rest.request({ method: 'GET', path: '/version', identity: null, what: 'get server version' });
  const v = (res.status === 'ok' ? res.json : {}) as { major?: string; minor?: string; gitVersion?: string };
  // Managed clusters report minor versions like "33+".
  const major = Number.parseInt(v.major ?? '', 10);
  const minor = Number.parseInt(v.minor ?? '', 10);
  if (!Number.isFinite(major) || !Number.isFinite(minor)) {
    throw new PodgateError('API_ERROR', undefined, { operatorMessage: `get server version: unexpected answer ${JSON.stringify(v).slice(0, 200)}` });
  }
  return { major, minor, gitVersion: v.gitVersion ?? `v${major}.${minor}` };
}

const WORKLOAD_PATHS: Record<WorkloadKind, string> = {
  deployment: '/apis/apps/v1/namespaces/NS/deployments/',
  statefulset: '/apis/apps/v1/namespaces/NS/statefulsets/',
  daemonset: '/apis/apps/v1/namespaces/NS/daemonsets/',
  replicaset: '/apis/apps/v1/namespaces/NS/replicasets/',
  job: '/apis/batch/v1/namespaces/NS/jobs/',
};

/** The workload's pod selector as a selector string; null when there is no such workload. */
export async function getWorkloadSelector(
  rest: RestClient, kind: WorkloadKind, namespace: string, name: string, identity: Identity,
): Promise<string | null> {
  const path = WORKLOAD_PATHS[kind].replace('NS', enc(namespace)) + enc(name);
  const what = `get ${kind} ${namespace}/${name}`;
  const res = await rest.request({ method: 'GET', path, identity, what });
  if (res.status === 'not-found') return null;
  const selector = (res.json as { spec?: { selector?: LabelSelectorJson } }).spec?.selector;
  if (!selector) return null;
  const text = selectorToString(selector);
  if (text === null) throw new PodgateError('API_ERROR', undefined, { operatorMessage: `${what}: selector has an unknown operator` });
  return text;
}

/** SelfSubjectAccessReview sent as the impersonated identity. */
export async function canI(rest: RestClient, identity: Identity, check: AccessCheck): Promise<{ allowed: boolean; reason?: string }> {
  const resourceAttributes = {
    namespace: check.namespace,
    verb: check.verb,
    group: check.group ?? '',
    resource: check.resource,
    ...(check.subresource ? { subresource: check.subresource } : {}),
    ...(check.name ? { name: check.name } : {}),
  };
  const what = `access review ${check.verb} ${check.resource}${check.subresource ? `/${check.subresource}` : ''} in ${check.namespace}`;
  const res = await rest.request({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    identity,
    what,
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } },
  });
  if (res.status === 'not-found') throw new PodgateError('API_ERROR', undefined, { operatorMessage: `${what}: API has no selfsubjectaccessreviews` });
  const status = (res.json as { status?: { allowed?: boolean; reason?: string; evaluationError?: string } }).status ?? {};
  const reason = status.reason || status.evaluationError || undefined;
  return reason === undefined ? { allowed: status.allowed === true } : { allowed: status.allowed === true, reason };
}
