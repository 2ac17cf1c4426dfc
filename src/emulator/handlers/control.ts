/**
 * The test-only control surface under /_emulator/ (loopback clients only): live processes of a
 * container, the request log, fault injection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultOptions, ProcessListFn, RequestLogEntry } from './control-types.ts';
import { readBody } from './body.ts';

export interface ControlApi {
  processes: ProcessListFn;
  requests: () => RequestLogEntry[];
  fault: (f: FaultOptions) => void;
}

function json(res: ServerResponse, code: number, body: unknown): void {
  const t = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(t) });
  res.end(t);
}

function isLoopback(addr: string | undefined): boolean {
  return addr !== undefined && (addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.'));
}

export async function handleControl(api: ControlApi, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (!isLoopback(req.socket.remoteAddress)) { json(res, 403, { error: 'the control surface serves loopback clients only' }); return; }
  const route = `${req.method} ${url.pathname}`;
  try {
    if (route === 'GET /_emulator/requests') { json(res, 200, api.requests()); return; }
    if (route === 'GET /_emulator/processes') {
      const q = url.searchParams;
      json(res, 200, await api.processes(q.get('namespace') ?? '', q.get('pod') ?? '', q.get('container') ?? ''));
      return;
    }
    if (route === 'POST /_emulator/fault') {
      api.fault(JSON.parse((await readBody(req)).toString('utf8') || '{}') as FaultOptions);
      json(res, 200, {});
      return;
    }
    json(res, 404, { error: `unknown control route ${route}` });
  } catch (err) {
    json(res, 400, { error: (err as Error).message });
  }
}
