import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import type { LogRequest, LogStream } from './types.ts';
import type { ApiEndpoint, QueryParams } from './endpoint.ts';
import { Deadline } from './deadline.ts';
import { DeadlineError, httpStatusError, transportError } from './api-errors.ts';
import { emit } from '../events/emit.ts';

function logQuery(req: LogRequest): QueryParams {
  return {
    container: req.container,
    follow: req.follow ? 'true' : undefined,
    tailLines: req.tailLines,
    sinceSeconds: req.sinceSeconds,
    previous: req.previous ? 'true' : undefined,
    timestamps: req.timestamps ? 'true' : undefined,
  };
}

/**
 * GET pods/log as the identity. Resolves with the response body as it arrives (raw bytes,
 * no decoding, flowing with the reader's backpressure) once the API answered 200 within the
 * timeout; a non-200 rejects with the Status message as kubectl prints it.
 */
export async function openLogs(ep: ApiEndpoint, req: LogRequest, timeoutMs: number, logger?: Logger): Promise<LogStream> {
  const headers: http.OutgoingHttpHeaders = { ...(await ep.requestHeaders(req.identity)), Accept: '*/*' };
  const what = `logs of ${req.namespace}/${req.pod}/${req.container}`;
  const url = ep.url(`/api/v1/namespaces/${encodeURIComponent(req.namespace)}/pods/${encodeURIComponent(req.pod)}/log`, logQuery(req));
  const lib = ep.secure ? https : http;
  return new Promise<LogStream>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      deadline.clear();
      reject(err);
    };
    // A follow holds its socket for as long as it runs: keep it out of the shared pool.
    const r = lib.request(url, { method: 'GET', headers, agent: false, ...(ep.secure ? ep.tls : {}) });
    const deadline = new Deadline(timeoutMs, () => {
      const err = new DeadlineError(timeoutMs, what);
      fail(transportError(err, what));
      r.destroy(err);
    });
    r.on('error', (err) => {
      if (settled) emit(logger, { code: 'KUBE_LOGS_ERROR', err: err.message }, 'log request error');
      fail(transportError(err, what));
    });
    r.on('socket', (s) => {
      s.setNoDelay(true);
      // A quiet follow may wait hours for a line: let TCP notice an API server that vanished.
      s.setKeepAlive(true, 30_000);
    });
    r.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => fail(transportError(err, what)));
        res.on('end', () => fail(httpStatusError(status, Buffer.concat(chunks).toString('utf8'), 'logs', what)));
        return;
      }
      if (settled) {
        res.destroy();
        return;
      }
      settled = true;
      deadline.clear();
      res.on('error', (err) => emit(logger, { code: 'KUBE_LOGS_STREAM_ERROR', err: err.message }, 'log stream error'));
      resolve({
        stream: res,
        abort: () => {
          r.destroy();
          res.destroy();
        },
      });
    });
    r.end();
  });
}
