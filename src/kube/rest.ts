import http from 'node:http';
import https from 'node:https';
import type { Identity } from './types.ts';
import type { ApiEndpoint, QueryParams } from './endpoint.ts';
import { Deadline } from './deadline.ts';
import { DeadlineError, httpStatusError, transportError, type CallKind } from './api-errors.ts';

/** Caps a JSON answer (a cluster-wide pod list fits easily); protects podgate's memory. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: QueryParams;
  /** The user the call is made as (impersonated); null: podgate's own identity. */
  identity: Identity | null;
  body?: unknown;
  /** What to say in operator messages, e.g. `get pod prod/web`. */
  what: string;
  /** A 409 (AlreadyExists, Conflict) is an answer the caller reads, not an error (write()). */
  conflictIsResult?: boolean;
}

export type RestResult = { status: 'ok'; json: unknown } | { status: 'not-found' };
/** What a write (Leases) may answer besides: 409 AlreadyExists or Conflict. */
export type RestWriteResult = RestResult | { status: 'conflict' };

/**
 * A small JSON REST client over node's http(s) with the kubeconfig's TLS and auth and one
 * keep-alive agent. Every request is impersonated and bounded by `timeoutMs` (connect,
 * response and body). Non-2xx answers become PodgateErrors, except 404 which the caller reads.
 */
export class RestClient {
  readonly #inflight = new Map<string, Promise<RestWriteResult>>();

  constructor(private readonly endpoint: () => Promise<ApiEndpoint>, private readonly timeoutMs: number) {}

  /**
   * Identical calls in flight at once (same request, same identity) share one API request:
   * 50 sessions opening at once ask for the same pod and access review. Nothing is cached
   * beyond the request's own lifetime. Callers must not mutate the shared `json`.
   */
  request(req: RestRequest): Promise<RestResult> {
    return this.#shared({ ...req, conflictIsResult: false }) as Promise<RestResult>;
  }

  /** A request whose 409 is an answer ('conflict'), for optimistic concurrency. */
  write(req: RestRequest): Promise<RestWriteResult> {
    return this.#shared({ ...req, conflictIsResult: true });
  }

  #shared(req: RestRequest): Promise<RestWriteResult> {
    const key = JSON.stringify([req.method, req.conflictIsResult === true, req.path, req.query ?? null, req.identity?.user ?? null, [...(req.identity?.groups ?? [])].sort(), req.body ?? null]);
    const running = this.#inflight.get(key);
    if (running) return running;
    const p = this.#request(req).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  async #request(req: RestRequest): Promise<RestWriteResult> {
    const ep = await this.endpoint();
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: http.OutgoingHttpHeaders = {
      ...(await ep.requestHeaders(req.identity)),
      Accept: 'application/json',
    };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const url = ep.url(req.path, req.query);
    try {
      return await this.#send(ep, url, req, headers, payload);
    } catch (err) {
      // A kept-alive socket the server closed as we picked it: retry once on a new connection
      // (not from the pool: after an idle spell every pooled socket may be just as stale).
      // Safe for every call here: GETs and SelfSubjectAccessReviews (which store nothing), and
      // the Lease writes, which carry a resourceVersion or answer 409/404 when repeated.
      if ((err as { reusedSocket?: boolean }).reusedSocket) {
        return this.#send(ep, url, req, headers, payload, true);
      }
      throw err;
    }
  }

  #send(ep: ApiEndpoint, url: URL, req: RestRequest, headers: http.OutgoingHttpHeaders, payload: Buffer | undefined, fresh = false): Promise<RestWriteResult> {
    return new Promise<RestWriteResult>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        deadline.clear();
        reject(err);
      };
      const lib = ep.secure ? https : http;
      const conn = fresh ? { agent: false as const, ...(ep.secure ? ep.tls : {}) } : { agent: ep.agent };
      const r = lib.request(url, { method: req.method, headers, ...conn });
      const deadline = new Deadline(this.timeoutMs, () => {
        const err = new DeadlineError(this.timeoutMs, req.what);
        fail(transportError(err, req.what));
        r.destroy(err);
      });
      r.on('error', (err) => {
        const mapped = transportError(err, req.what);
        if (r.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
          Object.assign(mapped, { reusedSocket: true });
        }
        fail(mapped);
      });
      r.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) {
            res.destroy();
            fail(transportError(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`), req.what));
            return;
          }
          chunks.push(c);
        });
        res.on('error', (err) => fail(transportError(err, req.what)));
        res.on('close', () => {
          if (!res.complete) fail(transportError(Object.assign(new Error('connection closed mid-answer'), { code: 'ECONNRESET' }), req.what));
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          deadline.clear();
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status === 404) return resolve({ status: 'not-found' });
          if (status === 409 && req.conflictIsResult) return resolve({ status: 'conflict' });
          if (status < 200 || status >= 300) return reject(httpStatusError(status, body, 'rest' satisfies CallKind, req.what));
          try {
            resolve({ status: 'ok', json: JSON.parse(body) as unknown });
          } catch (err) {
            reject(transportError(new Error(`answer is not JSON: ${(err as Error).message}`), req.what));
          }
        });
      });
      r.end(payload);
    });
  }
}
