/**
 * pods/exec, pods/attach and pods/portforward: everything the apiserver checks before an
 * upgrade (from 1.35 a second `create` check on WebSocket upgrades, pod and container, options,
 * "Upgrade request required"), then the hand-off to the runtime: the v5 StreamTranslator path
 * when the client offers v5.channel.k8s.io, the proxied kubelet's WebSocket path otherwise, and
 * the kubelet's SPDY/3.1 path for exec (kubectl's fallback when its WebSocket upgrade is refused).
 * SPDY port-forward is not served: such a request gets the same errors, and a 400 once valid.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestScope, ServerContext } from '../context.ts';
import type { Status } from '../status.ts';
import { badRequest, forbidden } from '../status.ts';
import { forbiddenMessage } from '../rbac.ts';
import { queryBool, resolvePodContainer } from './pod-target.ts';
import { sniffUpgradeResponse } from './upgrade-sniff.ts';
import { websocketUpgradeNeedsCreate } from '../server-version.ts';

const KUBELET_EXEC = ['channel.k8s.io', 'base64.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];
const KUBELET_PORTFORWARD = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];

export interface StreamTransport {
  /** null for a request without an Upgrade header. */
  socket: Duplex | null;
  head: Buffer;
  /** Sends an error response (before any upgrade). */
  reply: (s: Status) => void;
}

function offered(req: IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
}

function upgradeKind(req: IncomingMessage): 'websocket' | 'spdy' | 'none' | 'other' {
  const u = req.headers.upgrade;
  if (!u) return 'none';
  if (u.toLowerCase() === 'websocket') return 'websocket';
  if (u.toLowerCase().startsWith('spdy/')) return 'spdy';
  return 'other';
}

function parsePorts(q: URLSearchParams): number[] | string {
  const raw = q.getAll('ports').flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '');
  if (raw.length === 0) return 'query parameter "port" is required';
  const ports: number[] = [];
  for (const p of raw) {
    if (!/^\d+$/.test(p) || Number(p) > 65535) return `unable to parse "${p}" as a port: strconv.ParseUint: parsing "${p}": invalid syntax`;
    if (Number(p) < 1) return `port "${p}" must be > 0`;
    ports.push(Number(p));
  }
  return ports;
}

export function handleStream(ctx: ServerContext, req: IncomingMessage, t: StreamTransport, s: RequestScope): void {
  const { info, query, user } = s;
  const sub = info.subresource;
  const kind = upgradeKind(req);
  // 1.35 AuthorizePodWebsocketUpgradeCreatePermission: a WebSocket upgrade (GET) also needs create.
  if (info.verb === 'get' && kind === 'websocket' && websocketUpgradeNeedsCreate(ctx.version)) {
    const attrs = { user, verb: 'create', resourceRequest: true, apiGroup: '', resource: 'pods', subresource: sub, namespace: info.namespace, name: info.name };
    if (!ctx.authz.authorize(attrs).allowed) { t.reply(forbidden({ group: '', resource: 'pods' }, info.name, forbiddenMessage(attrs))); return; }
  }
  if (info.verb !== 'get' && info.verb !== 'create') { t.reply(badRequest(`${info.verb} is not allowed on pods/${sub}`)); return; }
  const target = resolvePodContainer(ctx, info.namespace, info.name, query.get('container'), sub !== 'portforward');
  if (!target.ok) { t.reply(target.status); return; }
  const spec = (target.pod.spec ?? {}) as { nodeName?: string };
  if (spec.nodeName === '') { t.reply(badRequest(`pod ${info.name} does not have a host assigned`)); return; }
  if (kind === 'none' || kind === 'other' || t.socket === null) { t.reply(badRequest('Upgrade request required')); return; }
  const podUid = target.pod.metadata.uid ?? '';
  if (sub === 'portforward') {
    const protos = offered(req);
    if (kind === 'spdy' || (protos.length > 0 && !protos.some((p) => KUBELET_PORTFORWARD.includes(p)))) {
      t.reply(badRequest('the emulator does not serve SPDY/3.1 port-forwarding; use a WebSocket client offering v4.channel.k8s.io'));
      return;
    }
    const ports = parsePorts(query);
    if (typeof ports === 'string') { t.reply(badRequest(ports)); return; }
    s.entry.status = 101;
    s.entry.protocol = protos.find((p) => KUBELET_PORTFORWARD.includes(p)) ?? '';
    sniffUpgradeResponse(t.socket, s.entry);
    ctx.runtime.handlePortForward(req, t.socket, t.head, { podUid, podName: info.name }, ports);
    return;
  }
  const opts = {
    command: sub === 'exec' ? query.getAll('command') : [],
    stdin: queryBool(query, 'stdin'), stdout: queryBool(query, 'stdout'), stderr: queryBool(query, 'stderr'), tty: queryBool(query, 'tty'),
  };
  if (!opts.stdin && !opts.stdout && !opts.stderr) { t.reply(badRequest('you must specify at least 1 of stdin, stdout, stderr')); return; }
  if (sub === 'attach') { t.reply(badRequest('pods/attach is not served by the emulator')); return; }
  if (kind === 'spdy') {
    s.entry.status = 101;
    s.entry.protocol = 'SPDY/3.1';
    ctx.runtime.handleExec(req, t.socket, t.head, { podUid, container: target.container, podName: info.name }, opts, 'kubelet-spdy');
    return;
  }
  const protos = offered(req);
  const v5 = protos.includes('v5.channel.k8s.io');
  s.entry.status = 101;
  s.entry.protocol = v5 ? 'v5.channel.k8s.io' : protos.find((p) => KUBELET_EXEC.includes(p)) ?? '';
  sniffUpgradeResponse(t.socket, s.entry);
  ctx.runtime.handleExec(req, t.socket, t.head, { podUid, container: target.container, podName: info.name }, opts, v5 ? 'apiserver-v5' : 'kubelet');
}
