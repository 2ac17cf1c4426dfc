/**
 * Records in the request log what the runtime really answered to an upgrade it took over: the
 * status line and the negotiated Sec-WebSocket-Protocol of the first bytes written to the
 * socket (the handshake response, or a refusal, is written in one piece by write() or end()).
 */
import type { Duplex } from 'node:stream';
import type { RequestLogEntry } from '../types.ts';

function record(chunk: unknown, entry: RequestLogEntry): void {
  const text = Buffer.isBuffer(chunk) ? chunk.toString('latin1', 0, Math.min(chunk.length, 2048)) : typeof chunk === 'string' ? chunk.slice(0, 2048) : '';
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!status) return;
  entry.status = Number(status[1]);
  const proto = /\r\nSec-WebSocket-Protocol:[ \t]*([^\r\n]*)/i.exec(text);
  if (entry.status === 101) entry.protocol = proto ? proto[1].trim() : '';
  else delete entry.protocol;
}

export function sniffUpgradeResponse(socket: Duplex, entry: RequestLogEntry): void {
  // The originals are put back as they were and called with .apply(this), so they stay unbound.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const write = socket.write;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const end = socket.end;
  const restore = (): void => { socket.write = write; socket.end = end; };
  socket.write = function (this: Duplex, chunk: unknown, ...rest: unknown[]): boolean {
    restore();
    record(chunk, entry);
    return (write as (...a: unknown[]) => boolean).apply(this, [chunk, ...rest]);
  } as typeof socket.write;
  socket.end = function (this: Duplex, chunk?: unknown, ...rest: unknown[]): Duplex {
    restore();
    if (chunk !== undefined && typeof chunk !== 'function') record(chunk, entry);
    return (end as (...a: unknown[]) => Duplex).apply(this, [chunk, ...rest]);
  } as typeof socket.end;
}
