/**
 * SelfSubjectAccessReview, SubjectAccessReview and LocalSubjectAccessReview
 * (authorization.k8s.io/v1), answered by the same authorizer that guards every request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestScope, ServerContext } from '../context.ts';
import type { Attributes, UserInfo } from '../rbac.ts';
import type { FieldError } from '../status.ts';
import { badRequest, invalid, methodNotAllowed, sendJson, sendStatus } from '../status.ts';
import { readBody } from './body.ts';
import { K8S_PROTOBUF, decodeReview } from '../protobuf.ts';

interface ResourceAttributes { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string }
interface NonResourceAttributes { path?: string; verb?: string }
interface Spec { namespace?: string; resourceAttributes?: ResourceAttributes; nonResourceAttributes?: NonResourceAttributes; user?: string; groups?: string[]; uid?: string; extra?: Record<string, string[]> }

const KINDS: Record<string, string> = {
  selfsubjectaccessreviews: 'SelfSubjectAccessReview',
  selfsubjectrulesreviews: 'SelfSubjectRulesReview',
  subjectaccessreviews: 'SubjectAccessReview',
  localsubjectaccessreviews: 'LocalSubjectAccessReview',
};

function validate(kind: string, spec: Spec, self: boolean, pathNs: string): FieldError[] {
  const errs: FieldError[] = [];
  const r = spec.resourceAttributes;
  const n = spec.nonResourceAttributes;
  if (!r && !n) errs.push({ field: 'spec.resourceAttributes', type: 'Required', detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' });
  if (r && n) errs.push({ field: 'spec.nonResourceAttributes', type: 'Invalid', value: n, detail: 'cannot be specified in combination with resourceAttributes' });
  if (!self && !spec.user && (spec.groups ?? []).length === 0) errs.push({ field: 'spec.user', type: 'Invalid', value: spec.user ?? '', detail: 'at least one of user or group must be specified' });
  if (kind === 'LocalSubjectAccessReview') {
    if (n) errs.push({ field: 'spec.nonResourceAttributes', type: 'Invalid', value: n, detail: 'disallowed on this kind of request' });
    if (r && r.namespace !== pathNs) errs.push({ field: 'spec.resourceAttributes.namespace', type: 'Invalid', value: r.namespace ?? '', detail: 'must match metadata.namespace' });
  }
  return errs;
}

export async function handleAccessReview(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, s: RequestScope): Promise<void> {
  const kind = KINDS[s.info.resource];
  if (s.info.verb !== 'create' || s.info.name !== '') { sendStatus(res, methodNotAllowed()); return; }
  let body: { apiVersion?: string; kind?: string; metadata?: Record<string, unknown>; spec?: Spec };
  try {
    const raw = await readBody(req);
    const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
    body = (ct === K8S_PROTOBUF ? decodeReview(raw) : JSON.parse(raw.toString('utf8'))) as typeof body;
  } catch (err) {
    sendStatus(res, badRequest(`the object provided is unrecognized: ${(err as Error).message}`));
    return;
  }
  if (body === null || typeof body !== 'object') { sendStatus(res, badRequest('the object provided is unrecognized')); return; }
  if (body.kind !== undefined && body.kind !== kind) {
    sendStatus(res, badRequest(`the API version in the data (${body.apiVersion ?? ''}) does not match the expected API version (authorization.k8s.io/v1)`));
    return;
  }
  const spec: Spec = body.spec ?? {};
  if (kind === 'SelfSubjectRulesReview') {
    const rules = ctx.authz.rulesFor(s.user, spec.namespace ?? '');
    const resourceRules = rules.filter((r) => (r.resources ?? []).length > 0)
      .map((r) => ({ verbs: r.verbs ?? [], apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) }));
    const nonResourceRules = rules.filter((r) => (r.nonResourceURLs ?? []).length > 0).map((r) => ({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs ?? [] }));
    sendJson(res, 201, { kind, apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status: { resourceRules, nonResourceRules, incomplete: false } });
    return;
  }
  const self = kind === 'SelfSubjectAccessReview';
  const errs = validate(kind, spec, self, s.info.namespace);
  if (errs.length > 0) { sendStatus(res, invalid(kind, '', 'authorization.k8s.io', errs)); return; }
  const subject: UserInfo = self ? s.user : { name: spec.user ?? '', groups: spec.groups ?? [] };
  const r = spec.resourceAttributes;
  const attrs: Attributes = r
    ? { user: subject, verb: r.verb ?? '', resourceRequest: true, apiGroup: r.group ?? '', resource: r.resource ?? '', subresource: r.subresource ?? '', namespace: r.namespace ?? '', name: r.name ?? '' }
    : { user: subject, verb: spec.nonResourceAttributes?.verb ?? '', resourceRequest: false, path: spec.nonResourceAttributes?.path ?? '' };
  const d = ctx.authz.authorize(attrs);
  const status: Record<string, unknown> = { allowed: d.allowed };
  if (d.reason !== '') status.reason = d.reason;
  const metadata: Record<string, unknown> = { ...(body.metadata ?? {}), creationTimestamp: null };
  if (kind === 'LocalSubjectAccessReview') metadata.namespace = s.info.namespace;
  sendJson(res, 201, { kind, apiVersion: 'authorization.k8s.io/v1', metadata, spec, status });
}
