/**
 * The server half of a SPDY/3.1 stream connection as the kubelet accepts one: httpstream's
 * protocol handshake (`X-Stream-Protocol-Version`, the client's order wins), the upgrade
 * response of spdy.NewResponseUpgrader, then a SPDY session on the hijacked socket in which
 * the client opens every stream (moby/spdystream on both ends in Kubernetes).
 *
 * The framing is written here rather than taken from `spdy-transport`: that library models
 * HTTP over SPDY (it rejects a SYN_STREAM without `:method`/`:path`, which spdystream never
 * sends) and holds data back on flow-control windows spdystream does not maintain. Only the
 * SPDY/3 header-compression dictionary is taken from it.
 */
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { SpdyFrameReader, SpdySession, type SpdyStream } from './spdy-session.ts';
import { rejectUpgrade } from './upgrade.ts';

export type { SpdyStream };

export interface SpdyConnection {
  onStream(cb: (s: SpdyStream) => void): void;
  onClose(cb: () => void): void;
  destroy(): void;
}

const PROTOCOL_HEADER = 'x-stream-protocol-version';
const dictionary = (createRequire(import.meta.url)('spdy-transport/lib/spdy-transport/protocol/spdy/dictionary.js') as Record<number, Buffer>)[3];

function headerValues(req: IncomingMessage, name: string): string[] {
  const raw = req.headers[name];
  const all = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return all.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Negotiates and upgrades; null when it answered the request with an error instead (403 for no
 * common protocol, 400 for a request that is not a SPDY/3.1 upgrade), as the kubelet does.
 */
export function acceptSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, supported: string[]): { conn: SpdyConnection; protocol: string } | null {
  const offered = headerValues(req, PROTOCOL_HEADER);
  if (offered.length === 0) {
    rejectUpgrade(socket, 400, 'unable to upgrade: X-Stream-Protocol-Version is required');
    return null;
  }
  const protocol = offered.find((p) => supported.includes(p));
  if (protocol === undefined) {
    rejectUpgrade(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]`);
    return null;
  }
  const connection = String(req.headers.connection ?? '').toLowerCase();
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (!connection.includes('upgrade') || !upgrade.includes('spdy/3.1')) {
    rejectUpgrade(socket, 400, 'unable to upgrade: missing upgrade headers in request');
    return null;
  }
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\nDate: ${new Date().toUTCString()}\r\n\r\n`,
  );
  const session = new SpdySession(socket, dictionary);
  const reader = new SpdyFrameReader((f) => session.handle(f), () => session.close());
  if (head.length > 0) reader.push(head);
  socket.on('data', (d: Buffer) => reader.push(d));
  socket.on('end', () => session.close());
  socket.on('close', () => session.close());
  return {
    protocol,
    conn: {
      onStream: (cb) => session.onStream(cb),
      onClose: (cb) => session.onClose(cb),
      destroy: () => session.close(),
    },
  };
}
