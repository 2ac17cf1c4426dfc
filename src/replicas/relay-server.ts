/**
 * The internal listener other replicas connect to (`replicas.listen`). Every connection must
 * complete the handshake (peer.ts) within `handshakeTimeoutMs`; at most `maxPending` may be
 * in it at once (the excess is dropped at accept) and at most `maxConnections` open in all.
 * Only then is one request read and handed to the RelayHandler: nothing a stranger sends
 * reaches session code.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { SecureChannel } from './channel.ts';
import { MessageType } from './channel.ts';
import { acceptPeer } from './peer.ts';
import { parseRequest, type AdoptRequest, type AttachRequest, type RelayAnswer } from './protocol.ts';
import { RelayStream } from './relay-stream.ts';
import { emit } from '../events/emit.ts';
import { toPodgateError, type ErrorCode } from '../errors/index.ts';

export type AttachDecision = { ok: false; code: ErrorCode; message: string } | { ok: true; start: (term: RelayStream) => void };

/** What the holder of sessions answers to other replicas. */
export interface RelayHandler {
  /** Checks as a local attach would; `start` is called once the acceptance was sent. */
  attach(req: AttachRequest): Promise<AttachDecision>;
  /** Hands lingering processes over to the requester (they leave this replica's pool and journal unreaped). */
  adopt(req: AdoptRequest): Promise<RelayAnswer>;
}

export interface RelayServerOptions {
  host: string;
  port: number;
  secret: Buffer;
  handler: RelayHandler;
  logger: Logger;
  handshakeTimeoutMs?: number;
  maxPending?: number;
  maxConnections?: number;
}

export interface RelayServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startRelayServer(o: RelayServerOptions): Promise<RelayServer> {
  const timeout = o.handshakeTimeoutMs ?? 5000;
  const maxPending = o.maxPending ?? 16;
  const open = new Set<net.Socket>();
  let pending = 0;
  const refuse = (socket: net.Socket, reason: string): void => {
    emit(o.logger, { code: 'REPLICA_RELAY_REFUSED', source: socket.remoteAddress ?? '', reason });
    socket.destroy();
  };
  const serve = (ch: SecureChannel, source: string): void => {
    const timer = setTimeout(() => ch.destroy(), timeout);
    ch.once('message', (type, payload) => {
      clearTimeout(timer);
      const req = type === MessageType.request ? parseRequest(payload) : null;
      if (!req) { emit(o.logger, { code: 'REPLICA_RELAY_REFUSED', source, reason: 'malformed request' }); ch.destroy(); return; }
      const answerWith = (a: RelayAnswer): void => { ch.send(MessageType.answer, a); ch.end(); };
      if (req.op === 'adopt') {
        o.handler.adopt(req).then((a) => {
          emit(o.logger, { code: 'REPLICA_LINGER_HANDOVER', side: 'holder', peer: req.from || source, user: req.user, sessionId: req.id, result: a.ok ? 'accepted' : a.code });
          answerWith(a);
        }, (err: unknown) => { const e = toPodgateError(err); answerWith({ ok: false, code: e.code, message: e.userMessage }); });
        return;
      }
      o.handler.attach(req).then((d) => {
        emit(o.logger, { code: 'REPLICA_RELAY_ATTACH', side: 'holder', peer: req.from || source, user: req.user, sessionId: req.id, op: req.op, result: d.ok ? 'accepted' : d.code });
        if (!d.ok) { ch.send(MessageType.answer, { ok: false, code: d.code, message: d.message } satisfies RelayAnswer); ch.end(); return; }
        ch.send(MessageType.answer, { ok: true } satisfies RelayAnswer);
        d.start(new RelayStream(ch));
      }, (err: unknown) => {
        const e = toPodgateError(err);
        ch.send(MessageType.answer, { ok: false, code: e.code, message: e.userMessage } satisfies RelayAnswer);
        ch.end();
      });
    });
  };
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    // An attached terminal may be quiet for hours: keepalives find a peer that vanished.
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    if (open.size >= (o.maxConnections ?? 256)) { refuse(socket, 'too many relay connections'); return; }
    if (pending >= maxPending) { refuse(socket, 'too many pending relay handshakes'); return; }
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    pending++;
    const source = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`;
    acceptPeer(socket, o.secret, timeout).then(
      (ch) => { pending--; serve(ch, source); },
      (err: unknown) => { pending--; emit(o.logger, { code: 'REPLICA_RELAY_REFUSED', source, reason: (err as Error).message }); },
    );
  });
  server.on('error', (err) => emit(o.logger, { code: 'REPLICA_RELAY_ERROR', err: err.message }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  emit(o.logger, { code: 'REPLICA_RELAY_LISTENING', address: o.host, port });
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}
