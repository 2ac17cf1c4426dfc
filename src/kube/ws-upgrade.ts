import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import type { ApiEndpoint } from './endpoint.ts';
import { Deadline } from './deadline.ts';
import { DeadlineError, httpStatusError, transportError } from './api-errors.ts';
import { abortedError, readErrorBody, type WsOpenRequest } from './ws-open.ts';
import { WsClientSocket } from './ws-client-socket.ts';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * The upgraded socket's fallback error listener (WsClientSocket reports errors). Defined here, not
 * inline: a closure made in the upgrade handler would keep that scope alive for the socket's
 * life (the request, its one-off agent, the caller's abort signal and what its reason's stack
 * holds: a departed client's whole SSH connection, for every detached session).
 */
const ignoreError = (): undefined => undefined;

/**
 * Opens an impersonated channel WebSocket to the API server with a plain HTTP upgrade (no
 * `ws`: frames are then read by WsClientSocket, straight from the socket). Resolves once
 * upgraded (TCP_NODELAY set), PAUSED; rejects as openWebSocket does: a non-101 answer with
 * the PodgateError its Status body maps to, connect failures with API_UNREACHABLE, no upgrade
 * within `timeoutMs` with API_TIMEOUT, and an upgrade that is not a valid WebSocket answer
 * (wrong accept key, a subprotocol not offered) as a transport error.
 */
export async function openChannelSocket(ep: ApiEndpoint, req: WsOpenRequest): Promise<WsClientSocket> {
  const headers = await ep.requestHeaders(req.identity);
  // Its session ended while the headers were made: open nothing (nothing to reap either).
  if (req.signal?.aborted) throw abortedError(req.what);
  const url = ep.url(req.path, req.query);
  const key = randomBytes(16).toString('base64');
  return new Promise<WsClientSocket>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => { fail(abortedError(req.what)); };
    const fail = (err: Error, socket?: Socket): void => {
      socket?.destroy();
      if (settled) return;
      settled = true;
      deadline.clear();
      req.signal?.removeEventListener('abort', onAbort);
      request.destroy();
      reject(err);
    };
    const options: https.RequestOptions = {
      method: 'GET',
      headers: {
        ...headers,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
        'Sec-WebSocket-Protocol': req.protocols.join(', '),
      },
      // A one-off agent, as `agent: false` makes, but caching no TLS session: nothing reuses it,
      // and the ticket it cached stayed for the socket's life (a small Buffer pinning a 64 KiB
      // pool slab, per exec).
      agent: ep.secure ? new https.Agent({ maxCachedSessions: 0 }) : false,
      ...(ep.secure ? ep.tls : {}),
    };
    const request = ep.secure ? https.request(url, options) : http.request(url, options);
    const deadline = new Deadline(req.timeoutMs, () => fail(transportError(new DeadlineError(req.timeoutMs, req.what), req.what)));
    req.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (err) => fail(transportError(err, req.what)));
    request.on('response', (res) => {
      res.on('error', () => undefined);
      readErrorBody(res, (body) => fail(httpStatusError(res.statusCode ?? 0, body, req.kind, req.what)));
    });
    request.on('upgrade', (res: http.IncomingMessage, socket: Socket, head: Buffer) => {
      socket.on('error', ignoreError);
      // The agent's listeners on the socket keep the request for the socket's life: let it hold
      // no closure of this scope.
      request.removeAllListeners();
      request.on('error', ignoreError);
      const problem = checkUpgrade(res, key, req.protocols);
      if (problem) return fail(transportError(new Error(problem), req.what), socket);
      if (settled) return socket.destroy();
      settled = true;
      deadline.clear();
      req.signal?.removeEventListener('abort', onAbort);
      socket.setNoDelay(true);
      resolve(new WsClientSocket(socket, String(res.headers['sec-websocket-protocol'] ?? ''), head));
    });
    request.end();
  });
}

/** Why a 101 answer is not the WebSocket podgate asked for, or null. */
function checkUpgrade(res: http.IncomingMessage, key: string, offered: readonly string[]): string | null {
  if (String(res.headers.upgrade ?? '').toLowerCase() !== 'websocket') return 'the server upgraded to something other than websocket';
  const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
  if (res.headers['sec-websocket-accept'] !== accept) return 'invalid Sec-WebSocket-Accept header';
  const protocol = res.headers['sec-websocket-protocol'];
  if (protocol === undefined) return offered.length > 0 ? 'server sent no subprotocol' : null;
  if (!offered.includes(String(protocol))) return `server sent an unoffered subprotocol ${String(protocol)}`;
  return null;
}
