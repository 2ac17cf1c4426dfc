/**
 * The request pipeline, in the kube-apiserver's filter order: (test faults) → authentication
 * (401) → impersonation (403) → authorization (403) → handler. Plain requests and upgrade
 * requests go through the same steps; only the way an error is written differs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestScope, ServerContext } from './context.ts';
import type { Faults } from './faults.ts';
import type { RequestLog } from './request-log.ts';
import type { ControlApi } from './handlers/control.ts';
import type { Attributes } from './rbac.ts';
import type { Status } from './status.ts';
import { authenticate, impersonate } from './authn.ts';
import { forbiddenMessage } from './rbac.ts';
import { requestInfo } from './request-info.ts';
import { discovery } from './discovery.ts';
import { openApiV3 } from './openapi.ts';
import { versionInfo } from './server-version.ts';
import { AGGREGATED_V2, aggregatedDiscovery, wantsAggregated } from './discovery-aggregated.ts';
import { forbidden, forbiddenPath, internalError, sendJson, sendStatus, unauthorized, unknownPath, writeUpgradeStatus } from './status.ts';
import { handleControl } from './handlers/control.ts';
import { handleRest } from './handlers/rest.ts';
import { handleAccessReview } from './handlers/access-review.ts';
import { handleLogs } from './handlers/logs.ts';
import { handleStream } from './handlers/streams.ts';

export interface DispatchDeps {
  ctx: ServerContext;
  log: RequestLog;
  faults: Faults;
  control: ControlApi | null;
}

const STREAM_SUBRESOURCES = ['exec', 'attach', 'portforward'];
const REVIEWS = ['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews', 'localsubjectaccessreviews'];

type Target = { kind: 'http'; res: ServerResponse } | { kind: 'upgrade'; socket: Duplex; head: Buffer };

async function pipeline(d: DispatchDeps, req: IncomingMessage, target: Target): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const method = req.method ?? 'GET';
  if (url.pathname.startsWith('/_emulator/')) {
    if (target.kind === 'http' && d.control) { await handleControl(d.control, req, target.res, url); return; }
    if (target.kind === 'http') sendStatus(target.res, unknownPath());
    else writeUpgradeStatus(target.socket, unknownPath());
    return;
  }
  const entry = d.log.start(method, url.pathname, url.search.replace(/^\?/, ''));
  const reply = (s: Status): void => {
    entry.status = s.code;
    if (target.kind === 'http') sendStatus(target.res, s);
    else writeUpgradeStatus(target.socket, s);
  };
  const closed = (): void => { entry.closedAt = new Date().toISOString(); };
  if (target.kind === 'http') {
    target.res.on('close', () => { if (target.res.headersSent) entry.status = target.res.statusCode; closed(); });
  } else {
    target.socket.on('close', closed);
    target.socket.on('error', () => { /* the runtime or the reply reports its own errors */ });
  }
  if (d.faults.latencyMs > 0) await sleep(d.faults.latencyMs);
  const injected = d.faults.take(url.pathname);
  if (injected) { reply(injected); return; }
  const actor = authenticate(req, d.ctx.config);
  if (!actor) { reply(unauthorized()); return; }
  entry.user = actor.name;
  entry.groups = actor.groups;
  const imp = impersonate(req, actor, d.ctx.authz);
  if (!imp.ok) { reply(imp.status); return; }
  if (imp.impersonated) { entry.impersonatedUser = imp.user.name; entry.impersonatedGroups = imp.user.groups; }
  const user = imp.user;
  const info = requestInfo(method, url.pathname, url.searchParams);
  const attrs: Attributes = info.resourceRequest
    ? { user, verb: info.verb, resourceRequest: true, apiGroup: info.apiGroup, resource: info.resource, subresource: info.subresource, namespace: info.namespace, name: info.name }
    : { user, verb: method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase(), resourceRequest: false, path: url.pathname };
  if (!d.ctx.authz.authorize(attrs).allowed) {
    reply(info.resourceRequest
      ? forbidden({ group: info.apiGroup, resource: info.resource }, info.name, forbiddenMessage(attrs))
      : forbiddenPath(`forbidden: ${forbiddenMessage(attrs)}`));
    return;
  }
  const scope: RequestScope = { user, info, query: url.searchParams, entry };
  if (info.resourceRequest && info.resource === 'pods' && STREAM_SUBRESOURCES.includes(info.subresource)) {
    handleStream(d.ctx, req, {
      socket: target.kind === 'upgrade' ? target.socket : null,
      head: target.kind === 'upgrade' ? target.head : Buffer.alloc(0),
      reply,
    }, scope);
    return;
  }
  if (target.kind === 'upgrade') { reply(internalError('upgrade is only served for pods/exec, pods/attach and pods/portforward')); return; }
  const res = target.res;
  if (!info.resourceRequest) {
    if (url.pathname === '/version' || url.pathname === '/version/') { sendJson(res, 200, versionInfo(d.ctx.version)); return; }
    if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end('ok'); return; }
    if ((url.pathname === '/api' || url.pathname === '/apis') && wantsAggregated(req.headers.accept)) {
      const text = JSON.stringify(aggregatedDiscovery(url.pathname === '/api'));
      res.writeHead(200, { 'Content-Type': AGGREGATED_V2, 'Content-Length': Buffer.byteLength(text), Vary: 'Accept' });
      res.end(text);
      return;
    }
    const spec = openApiV3(url.pathname);
    if (spec) { sendJson(res, 200, spec); return; }
    const doc = discovery(info.parts, d.ctx.address());
    if (doc) { sendJson(res, 200, doc); return; }
    reply(unknownPath());
    return;
  }
  if (info.resource === 'pods' && info.subresource === 'log') { handleLogs(d.ctx, res, scope); return; }
  if (info.apiGroup === 'authorization.k8s.io' && REVIEWS.includes(info.resource)) { await handleAccessReview(d.ctx, req, res, scope); return; }
  await handleRest(d.ctx, req, res, scope);
}

export function dispatcher(d: DispatchDeps): {
  onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
} {
  const fail = (err: unknown, target: Target): void => {
    const s = internalError((err as Error)?.message ?? String(err));
    if (target.kind === 'http') {
      if (!target.res.headersSent) sendStatus(target.res, s);
      else target.res.destroy();
    } else {
      writeUpgradeStatus(target.socket, s);
    }
  };
  return {
    onRequest: (req, res) => {
      req.on('error', () => { /* client went away */ });
      res.on('error', () => { /* client went away */ });
      const t: Target = { kind: 'http', res };
      pipeline(d, req, t).catch((err: unknown) => fail(err, t));
    },
    onUpgrade: (req, socket, head) => {
      socket.on('error', () => { /* client went away */ });
      const t: Target = { kind: 'upgrade', socket, head };
      pipeline(d, req, t).catch((err: unknown) => fail(err, t));
    },
  };
}
