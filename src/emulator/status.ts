/**
 * metav1.Status bodies exactly as the kube-apiserver writes them (k8s.io/apimachinery
 * pkg/api/errors), and the two ways to send them: an HTTP response, or raw bytes on a socket
 * whose upgrade is refused.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';

interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: { reason?: string; message?: string; field?: string }[];
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A Kubernetes resource as errors name it: "pods", or "deployments.apps". */
export interface QualifiedResource {
  group: string;
  resource: string;
}

function qualified(q: QualifiedResource): string {
  return q.group === '' ? q.resource : `${q.resource}.${q.group}`;
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): Status {
  // Key order as the apiserver serialises it: ..., reason, details, code.
  const s = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason } as Status;
  if (details !== undefined) s.details = details;
  s.code = code;
  return s;
}

function detailsOf(q: QualifiedResource, name: string): StatusDetails {
  const d: StatusDetails = { name };
  if (q.group !== '') d.group = q.group;
  d.kind = q.resource;
  return d;
}

export function notFound(q: QualifiedResource, name: string): Status {
  return failure(404, 'NotFound', `${qualified(q)} "${name}" not found`, detailsOf(q, name));
}

export function unknownPath(): Status {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function forbidden(q: QualifiedResource, name: string, why: string): Status {
  const msg = name === '' ? `${qualified(q)} is forbidden: ${why}` : `${qualified(q)} "${name}" is forbidden: ${why}`;
  const d: StatusDetails = {};
  if (name !== '') d.name = name;
  if (q.group !== '') d.group = q.group;
  d.kind = q.resource;
  return failure(403, 'Forbidden', msg, d);
}

export function forbiddenPath(why: string): Status {
  return failure(403, 'Forbidden', why, {});
}

export function badRequest(message: string): Status {
  return failure(400, 'BadRequest', message);
}

export function unauthorized(): Status {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function methodNotAllowed(): Status {
  return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

export function internalError(err: string): Status {
  return failure(500, 'InternalError', `Internal error occurred: ${err}`, { causes: [{ message: err }] });
}

export interface FieldError {
  field: string;
  type: 'Invalid' | 'Forbidden' | 'Required';
  detail: string;
  value?: unknown;
}

/** field.Error.ErrorBody(): `Invalid value: -1: must be ...`, `Forbidden: ...`, `Required value: ...`. */
function errorBody(e: FieldError): string {
  if (e.type === 'Forbidden') return `Forbidden: ${e.detail}`;
  if (e.type === 'Required') return `Required value: ${e.detail}`;
  return `Invalid value: ${JSON.stringify(e.value)}: ${e.detail}`;
}

/** 422 Invalid, as validation errors are reported: `Kind "name" is invalid: [field: body, ...]`. */
export function invalid(kind: string, name: string, group: string, errs: FieldError[]): Status {
  const parts = errs.map((e) => `${e.field}: ${errorBody(e)}`);
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  const d: StatusDetails = { name };
  if (group !== '') d.group = group;
  d.kind = kind;
  d.causes = errs.map((e) => ({ reason: `FieldValue${e.type === 'Required' ? 'Required' : e.type === 'Forbidden' ? 'Forbidden' : 'Invalid'}`, message: errorBody(e), field: e.field }));
  return failure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${joined}`, d);
}

export function alreadyExists(q: QualifiedResource, name: string): Status {
  return failure(409, 'AlreadyExists', `${qualified(q)} "${name}" already exists`, detailsOf(q, name));
}

/** 409 Conflict: a stale resourceVersion (optimistic concurrency) or a failed delete precondition. */
export function conflict(q: QualifiedResource, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): Status {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(q)} "${name}": ${why}`, detailsOf(q, name));
}

export function unsupportedMediaType(): Status {
  return failure(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json');
}

/** What DELETE of an object answers (resources without ReturnDeletedObject). */
export function deleted(q: QualifiedResource, name: string, uid: string): Record<string, unknown> {
  const d: Record<string, string> = { name };
  if (q.group !== '') d.group = q.group;
  d.kind = q.resource;
  d.uid = uid;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: d };
}

/** Any status code with a generic reason (fault injection). */
export function generic(code: number, message?: string): Status {
  const reasons: Record<number, string> = {
    400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'AlreadyExists',
    422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
  };
  return failure(code, reasons[code] ?? 'Unknown', message ?? `injected fault: ${STATUS_CODES[code] ?? code}`);
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendStatus(res: ServerResponse, s: Status): void {
  sendJson(res, s.code, s);
}

/** Refuses an upgrade: writes a complete HTTP/1.1 response with the Status body and closes. */
export function writeUpgradeStatus(socket: Duplex, s: Status): void {
  const body = JSON.stringify(s);
  const head = [
    `HTTP/1.1 ${s.code} ${STATUS_CODES[s.code] ?? ''}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-cache, private',
    'Connection: close',
    '', '',
  ].join('\r\n');
  if (socket.writable) socket.end(head + body);
  else socket.destroy();
}
