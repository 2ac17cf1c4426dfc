/**
 * The direct-tcpip extension (`ssh -L`, `ssh -D`): a channel to `localhost`, `127.0.0.1` or
 * `::1` port P on a USER+TARGET connection becomes one pods/portforward stream to port P of the
 * target pod, as the user's impersonated identity, after an access review of `create`+`get`
 * pods/portforward. Other destinations, connections without a target, denials and API failures
 * reject the channel open (the client prints `open failed`); a port the pod refuses closes the
 * accepted channel at once. Audited as FORWARD_OPEN / FORWARD_END, refusals as FORWARD_DENIED.
 */
import { randomBytes } from 'node:crypto';
import { PodgateError, toPodgateError } from '../errors/index.ts';
import type { TcpipHandler } from '../session/extensions.ts';
import { bridgePort } from './bridge.ts';
import { isPodLoopback, isValidPort } from './destination.ts';
import { ResolveCache } from './resolve-cache.ts';
import { emit } from '../events/emit.ts';

export interface DirectTcpipOptions {
  /** How long a successful resolution + access review is reused per connection (default 30 s). */
  resolveTtlMs?: number;
  /**
   * Forwarded connections open at once per SSH connection (default 256): each holds a
   * port-forward stream on the API server, so one client cannot open them without bound.
   */
  maxPerConnection?: number;
}

const MAX_LOGGED_HOST = 253;

export function createDirectTcpipHandler(opts: DirectTcpipOptions = {}): TcpipHandler {
  const cache = new ResolveCache(opts.resolveTtlMs ?? 30_000);
  const max = opts.maxPerConnection ?? 256;
  const open = new Map<string, number>();
  const release = (connId: string): void => {
    const n = (open.get(connId) ?? 1) - 1;
    if (n <= 0) open.delete(connId);
    else open.set(connId, n);
  };
  return (req, accept, reject, ctx) => {
    const forwardId = randomBytes(4).toString('hex');
    // The client picks the host (up to a whole SSH packet): audit at most a DNS name's length.
    const host = req.destIP.length > MAX_LOGGED_HOST ? `${req.destIP.slice(0, MAX_LOGGED_HOST)}…` : req.destIP;
    const base = { connId: ctx.connId, forwardId, user: ctx.user.name, host, port: req.destPort };
    const refuse = (err: PodgateError, result: string): void => {
      // Its own code (like SESSION_DENIED): FORWARD_OPEN is always followed by FORWARD_END.
      emit(ctx.logger, {
        code: 'FORWARD_DENIED', ...base, namespace: null, pod: null, target: ctx.target?.raw ?? null,
        result, errorCode: err.code, message: err.userMessage, detail: err.operatorMessage,
      }, 'forward refused');
      reject();
    };
    if (!isPodLoopback(req.destIP) || !isValidPort(req.destPort)) {
      return refuse(new PodgateError('POLICY_DENIED', `forwarding goes only to the pod's own localhost, not ${host}:${req.destPort}`), 'refused-destination');
    }
    if (!ctx.target) {
      return refuse(new PodgateError('TARGET_INVALID', 'forwarding needs a target: ssh -L PORT:localhost:PORT USER+POD@bastion'), 'no-target');
    }
    if ((open.get(ctx.connId) ?? 0) >= max) {
      return refuse(new PodgateError('POLICY_DENIED', `at most ${max} forwarded connections at once per SSH connection`), 'limit');
    }
    open.set(ctx.connId, (open.get(ctx.connId) ?? 0) + 1);
    const key = `${ctx.connId}\u0000${ctx.target.raw}`;
    const run = async (): Promise<void> => {
      let stage = 'denied';
      try {
        const target = await cache.get(key, ctx.resolve);
        stage = 'error';
        const port = await ctx.kube.portForward({ namespace: target.namespace, pod: target.pod, port: req.destPort, identity: ctx.identity });
        const where = { ...base, cluster: ctx.cluster, namespace: target.namespace, pod: target.pod };
        const channel = accept();
        if (!channel) {
          port.abort();
          return;
        }
        const started = Date.now();
        emit(ctx.logger, { code: 'FORWARD_OPEN', ...where, result: 'opened' }, 'forward opened');
        const r = await bridgePort(channel, port);
        emit(ctx.logger, {
          code: 'FORWARD_END', ...where, bytesIn: r.bytesIn, bytesOut: r.bytesOut, durationMs: Date.now() - started,
          // A port the pod refused is not an API failure: no errorCode (metrics count those).
          result: r.error ? 'refused' : 'closed', ...(r.error ? { message: r.error.userMessage, detail: r.error.operatorMessage } : {}),
        }, 'forward ended');
      } catch (e) {
        refuse(toPodgateError(e), stage);
      } finally {
        release(ctx.connId);
      }
    };
    void run();
  };
}
