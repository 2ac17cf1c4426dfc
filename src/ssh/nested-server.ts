/**
 * Nested SSH connections over direct-tcpip channels (the jump-host form `ssh -J`): the same
 * keys and algorithms as the front door, no network listener. Each nested connection goes
 * through the same pre-authentication door as a TCP one (an unauthenticated slot of the outer
 * connection's source, the login grace time, penalties), and one outer connection may hold at
 * most `maxNestedPerConnection` of them at once.
 */
import ssh2 from 'ssh2';
import type { Connection } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { HARDENED_ALGORITHMS, IDENT } from './algorithms.ts';
import { prepareHandshake, watchClientHello } from './handshake.ts';
import { wireConnection } from './connection.ts';
import type { PreauthTracker } from './preauth-tracker.ts';
import type { ConnectionControl, ConnectionHandler, ConnectionInfo } from './types.ts';
import { emit } from '../events/emit.ts';

export interface NestedServerOptions {
  hostKeys: Buffer[];
  maxAuthTries: number;
  maxNestedPerConnection: number;
  tracker: PreauthTracker;
  /** Every live ssh2 connection, outer and nested (for disconnectAll). */
  clients: Set<Connection>;
  log: Logger;
}

export interface NestedServer {
  /** The `tunnel` for one outer connection from `source` (counts that connection's nested ones). */
  tunnelFor(outer: ConnectionInfo, source: string): ConnectionControl['tunnel'];
}

export function createNestedServer(opts: NestedServerOptions): NestedServer {
  const { log } = opts;
  const inner = new ssh2.Server({ hostKeys: opts.hostKeys, algorithms: HARDENED_ALGORITHMS, ident: IDENT });
  inner.on('error', (err: Error) => log.debug({ err: err.message }, 'nested ssh pre-handshake error'));
  const tunnels = new WeakMap<object, { info: ConnectionInfo; handler: ConnectionHandler; source: string; onAuthenticated: () => void; onAuthFailure: () => void; onProtocolError: () => void }>();

  inner.on('connection', (client: Connection) => {
    const stream = (client as unknown as { _sock?: object })._sock;
    const t = stream ? tunnels.get(stream) : undefined;
    if (!t) {
      client.on('error', () => {});
      client.end();
      return;
    }
    prepareHandshake(client, log, t.info);
    opts.clients.add(client);
    let closed = false;
    wireConnection(client, t.handler, {
      maxAuthTries: opts.maxAuthTries,
      tunnel: tunnelFor(t.info, t.source),
      onAuthenticated: t.onAuthenticated,
      onAuthFailure: t.onAuthFailure,
      onProtocolError: t.onProtocolError,
      onClosed: (reason) => {
        opts.clients.delete(client);
        if (closed) return;
        closed = true;
        t.handler.onClose(reason);
      },
      log: log.child({ connId: t.info.connId }),
    });
  });

  function tunnelFor(outer: ConnectionInfo, source: string): ConnectionControl['tunnel'] {
    let live = 0;
    return (stream: Duplex, info: ConnectionInfo, handler: ConnectionHandler): void => {
      stream.on('error', (err: Error) => log.debug({ connId: info.connId, err: err.message }, 'nested connection stream error'));
      if (live >= opts.maxNestedPerConnection) {
        emit(log, { code: 'CONNECTION_REFUSED', connId: info.connId, outerConnId: outer.connId, remoteAddress: source, reason: 'nested-limit', limit: opts.maxNestedPerConnection },
          'too many nested (jump) connections on one connection');
        handler.onClose('nested-limit');
        stream.destroy();
        return;
      }
      live++;
      const conn = opts.tracker.enter({
        connId: info.connId,
        source,
        kind: 'nested',
        start: () => {
          tunnels.set(stream, {
            info, handler, source,
            onAuthenticated: () => conn.authenticated(),
            onAuthFailure: () => conn.authFailed(),
            onProtocolError: () => conn.crashed(),
          });
          Object.assign(stream, { remoteAddress: info.remoteAddress, remotePort: info.remotePort, remoteFamily: 'IPv4' });
          watchClientHello(stream);
          inner.injectSocket(stream as never);
        },
        destroy: () => stream.destroy(),
      });
      stream.once('close', () => {
        live--;
        conn.closed();
      });
    };
  }

  return { tunnelFor };
}
