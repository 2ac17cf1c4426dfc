/**
 * create (POST), update (PUT), patch (PATCH) and delete (DELETE) of writable resources
 * (Leases), with the apiserver's optimistic concurrency: a stale `metadata.resourceVersion`
 * in an update or patch, or a failed delete precondition, is a 409 Conflict; creating an
 * existing name is a 409 AlreadyExists. `dryRun=All` validates without storing.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestScope, ServerContext } from '../context.ts';
import type { ResourceDef } from '../resources.ts';
import type { FieldError, Status } from '../status.ts';
import type { KubeObject } from '../types.ts';
import { readBody } from './body.ts';
import { PatchError, applyPatch, patchTypeOf } from './patch.ts';
import { fieldValidationOf, unknownFields } from '../field-validation.ts';
import { alreadyExists, badRequest, conflict, deleted, invalid, methodNotAllowed, notFound, sendJson, sendStatus, unsupportedMediaType } from '../status.ts';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function apiVersionOf(def: ResourceDef): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}

function served(def: ResourceDef, o: KubeObject): KubeObject {
  return { ...o, apiVersion: apiVersionOf(def), kind: def.kind };
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** What the apiserver checks before storing: names, the Lease spec's numbers. */
function validate(def: ResourceDef, o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = o.metadata.name;
  if (!name) errs.push({ field: 'metadata.name', type: 'Required', detail: 'name or generateName is required' });
  else if (name.length > 253 || !NAME.test(name)) {
    errs.push({ field: 'metadata.name', type: 'Invalid', value: name, detail: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')" });
  }
  if (def.kind === 'Lease') {
    const spec = (o.spec ?? {}) as { leaseDurationSeconds?: unknown; leaseTransitions?: unknown };
    if (spec.leaseDurationSeconds !== undefined && !(Number.isInteger(spec.leaseDurationSeconds) && (spec.leaseDurationSeconds as number) > 0)) {
      errs.push({ field: 'spec.leaseDurationSeconds', type: 'Invalid', value: spec.leaseDurationSeconds, detail: 'must be greater than 0' });
    }
    if (spec.leaseTransitions !== undefined && !(Number.isInteger(spec.leaseTransitions) && (spec.leaseTransitions as number) >= 0)) {
      errs.push({ field: 'spec.leaseTransitions', type: 'Invalid', value: spec.leaseTransitions, detail: 'must be greater than or equal to 0' });
    }
  }
  return errs;
}

async function readObject(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new PatchError(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

export async function handleWrite(ctx: ServerContext, def: ResourceDef, req: IncomingMessage, res: ServerResponse, s: RequestScope): Promise<void> {
  const { info, query } = s;
  const q = { group: def.group, resource: def.resource };
  const ns = info.namespace;
  const dryRun = query.getAll('dryRun').includes('All');
  const store = (o: KubeObject): KubeObject => (dryRun ? { ...o, metadata: { ...o.metadata, resourceVersion: ctx.store.resourceVersion() } } : ctx.store.put(def, o));
  const fv = fieldValidationOf(query);
  if (typeof fv !== 'string') { sendStatus(res, badRequest(`fieldValidation parameter unsupported: ${fv.invalid}. Must be one of: Ignore, Warn, Strict`)); return; }
  const checked = (o: KubeObject, code: number): void => {
    const extra = fv === 'Ignore' ? [] : unknownFields(def, o);
    if (extra.length > 0 && fv === 'Strict') {
      const what = extra.map((f) => `unknown field "${f}"`).join(', ');
      sendStatus(res, badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${what}`));
      return;
    }
    if (extra.length > 0) res.setHeader('Warning', extra.map((f) => `299 - ${JSON.stringify(`unknown field "${f}"`)}`));
    const errs = validate(def, o);
    if (errs.length > 0) { sendStatus(res, invalid(def.kind, o.metadata.name ?? '', def.group, errs)); return; }
    sendJson(res, code, served(def, store(o)));
  };
  const fail = (st: Status): void => sendStatus(res, st);
  if (ns === '') { fail(badRequest('the server could not find the requested resource')); return; }
  let body: unknown;
  try {
    body = info.verb === 'delete' || info.verb === 'deletecollection' ? undefined : await readObject(req);
  } catch (err) {
    if (err instanceof PatchError) { fail(badRequest(err.message)); return; }
    throw err;
  }
  const given = body as Partial<KubeObject> | undefined;
  const meta = (given?.metadata ?? {}) as KubeObject['metadata'];
  if (given !== undefined && info.verb !== 'patch') {
    if (typeof given !== 'object' || given === null) { fail(badRequest('the body must be an object')); return; }
    if ((given.kind !== undefined && given.kind !== def.kind) || (given.apiVersion !== undefined && given.apiVersion !== apiVersionOf(def))) {
      fail(badRequest(`the API version in the data (${String(given.apiVersion)}) does not match the expected API version (${apiVersionOf(def)})`));
      return;
    }
    if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== ns) {
      fail(badRequest('the namespace of the provided object does not match the namespace sent on the request'));
      return;
    }
  }
  const existing = info.name === '' ? undefined : ctx.store.get(def, ns, info.name);
  switch (info.verb) {
    case 'create': {
      if (info.name !== '') { fail(methodNotAllowed()); return; }
      const name = meta.name ?? (typeof meta.generateName === 'string' ? `${meta.generateName}${randomUUID().slice(0, 5)}` : '');
      if (name !== '' && ctx.store.get(def, ns, name)) { fail(alreadyExists(q, name)); return; }
      const o = { ...(given as KubeObject), metadata: { ...meta, name, namespace: ns, uid: randomUUID(), creationTimestamp: now() } };
      delete o.metadata.resourceVersion;
      checked(o, 201);
      return;
    }
    case 'update': {
      if (meta.name !== info.name) { fail(badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${info.name})`)); return; }
      if (!existing) {
        // Leases allow create on update (AllowCreateOnUpdate), unless a resourceVersion was required.
        if (meta.resourceVersion) { fail(notFound(q, info.name)); return; }
        checked({ ...(given as KubeObject), metadata: { ...meta, namespace: ns, uid: randomUUID(), creationTimestamp: now() } }, 201);
        return;
      }
      if (meta.resourceVersion && meta.resourceVersion !== existing.metadata.resourceVersion) { fail(conflict(q, info.name)); return; }
      if (meta.uid && meta.uid !== existing.metadata.uid) {
        fail(conflict(q, info.name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${String(existing.metadata.uid)}`));
        return;
      }
      checked({ ...(given as KubeObject), metadata: { ...meta, namespace: ns, uid: existing.metadata.uid, creationTimestamp: existing.metadata.creationTimestamp } }, 200);
      return;
    }
    case 'patch': {
      const type = patchTypeOf(req.headers['content-type']);
      if (!type) { fail(unsupportedMediaType()); return; }
      if (!existing) { fail(notFound(q, info.name)); return; }
      let next: KubeObject;
      try {
        next = applyPatch(type, served(def, existing), body) as KubeObject;
      } catch (err) {
        if (err instanceof PatchError) { fail(invalid(def.kind, info.name, def.group, [{ field: '', type: 'Invalid', value: null, detail: err.message }])); return; }
        throw err;
      }
      if (typeof next !== 'object' || next === null || typeof next.metadata !== 'object') { fail(badRequest('the patch removed the object metadata')); return; }
      const rv = next.metadata.resourceVersion;
      if (rv && rv !== existing.metadata.resourceVersion) { fail(conflict(q, info.name)); return; }
      if (next.metadata.name !== info.name) { fail(badRequest(`the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${info.name})`)); return; }
      checked({ ...next, metadata: { ...next.metadata, namespace: ns, uid: existing.metadata.uid, creationTimestamp: existing.metadata.creationTimestamp } }, 200);
      return;
    }
    case 'delete': {
      if (!existing) { fail(notFound(q, info.name)); return; }
      const opts = await readObject(req).catch(() => ({})) as { preconditions?: { resourceVersion?: string; uid?: string } } | null;
      const pre = opts?.preconditions ?? {};
      if (pre.resourceVersion && pre.resourceVersion !== existing.metadata.resourceVersion) {
        fail(conflict(q, info.name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(existing.metadata.resourceVersion)}`));
        return;
      }
      if (pre.uid && pre.uid !== existing.metadata.uid) {
        fail(conflict(q, info.name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(existing.metadata.uid)}`));
        return;
      }
      if (!dryRun) ctx.store.remove(def, ns, info.name);
      sendJson(res, 200, deleted(q, info.name, existing.metadata.uid ?? ''));
      return;
    }
    default:
      fail(methodNotAllowed());
  }
}
