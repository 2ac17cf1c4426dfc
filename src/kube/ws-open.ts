import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { Identity } from './types.ts';
import type { ApiEndpoint, QueryParams } from './endpoint.ts';
import { Deadline } from './deadline.ts';
import { DeadlineError, httpStatusError, transportError, type CallKind } from './api-errors.ts';
import { PodgateError } from '../errors/index.ts';

const MAX_ERROR_BODY = 64 * 1024;

export interface WsOpenRequest {
  path: string;
  query: QueryParams;
  identity: Identity;
  protocols: readonly string[];
  kind: CallKind;
  what: string;
  timeoutMs: number;
  /** Gives the open up (rejects with API_ERROR) once aborted. */
  signal?: AbortSignal;
}

/**
 * Opens an impersonated WebSocket to the API server. Resolves once upgraded (TCP_NODELAY
 * set) with the WebSocket PAUSED: frames that came with the 101 would otherwise be emitted
 * before the caller's promise continuation attaches its listeners. Call `ws.resume()` then; a non-101 answer rejects with the PodgateError its Status body maps to (the API's own
 * message, which `ws` alone would hide), connect failures with API_UNREACHABLE, and no
 * upgrade within `timeoutMs` with API_TIMEOUT.
 */
export async function openWebSocket(ep: ApiEndpoint, req: WsOpenRequest): Promise<WebSocket> {
  const headers = await ep.requestHeaders(req.identity);
  if (req.signal?.aborted) throw abortedError(req.what);
  const url = ep.url(req.path, req.query);
  url.protocol = ep.secure ? 'wss:' : 'ws:';
  return new Promise<WebSocket>((resolve, reject) => {
    let settled = false;
    const ws = new WebSocket(url, [...req.protocols], {
      headers,
      ...ep.tls,
      perMessageDeflate: false,
      followRedirects: false,
      maxPayload: 16 * 1024 * 1024,
    });
    const onAbort = (): void => { fail(abortedError(req.what)); };
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      deadline.clear();
      req.signal?.removeEventListener('abort', onAbort);
      reject(err);
      ws.terminate();
    };
    const deadline = new Deadline(req.timeoutMs, () => fail(transportError(new DeadlineError(req.timeoutMs, req.what), req.what)));
    req.signal?.addEventListener('abort', onAbort, { once: true });
    ws.on('error', (err) => fail(transportError(err, req.what)));
    ws.on('unexpected-response', (r, res: IncomingMessage) => {
      readErrorBody(res, (body) => fail(httpStatusError(res.statusCode ?? 0, body, req.kind, req.what)));
      r.on('error', () => undefined);
    });
    ws.on('upgrade', (res) => {
      res.socket.setNoDelay(true);
    });
    ws.on('open', () => {
      if (settled) return;
      settled = true;
      ws.pause();
      deadline.clear();
      req.signal?.removeEventListener('abort', onAbort);
      resolve(ws);
    });
  });
}

/** The rejection of an open whose session ended first (`req.signal`). */
export function abortedError(what: string): PodgateError {
  return new PodgateError('API_ERROR', undefined, { operatorMessage: `${what}: given up, its session ended first` });
}

/** Reads up to 64 KiB of an error answer's body (its Status), then calls `done` once. */
export function readErrorBody(res: IncomingMessage, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    done(Buffer.concat(chunks).toString('utf8'));
  };
  res.on('data', (c: Buffer) => {
    if (size >= MAX_ERROR_BODY) return;
    size += c.length;
    chunks.push(c);
  });
  res.on('end', finish);
  res.on('close', finish);
  res.on('error', finish);
}
