/**
 * podgate's SSH server: a net.Server in front of ssh2 (notes/ssh2-server.md §7), which adds
 * what ssh2 lacks: the PROXY protocol from trusted balancers, a pre-authentication door that
 * queues instead of resetting (src/ssh/preauth-gate.ts) with per-source penalties, the login
 * grace time, SSH_CONNECTION data, and hardened algorithms, keepalive and ident.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import ssh2 from 'ssh2';
import type { Connection } from 'ssh2';
import type { Logger } from 'pino';
import { HARDENED_ALGORITHMS, IDENT } from './algorithms.ts';
import { addressSet, normalAddress } from './address-set.ts';
import { prepareHandshake, watchClientHello } from './handshake.ts';
import { endHard, wireConnection } from './connection.ts';
import { createNestedServer } from './nested-server.ts';
import { installPacketPool } from './packet-alloc.ts';
import { createPenalties } from './penalties.ts';
import { createPreauthGate } from './preauth-gate.ts';
import { createPreauthTracker, type PreauthConn } from './preauth-tracker.ts';
import { readProxyHeader, watchForProxyHeader } from './proxy-reader.ts';
import type { LimitsConfig, ProxyProtocolConfig } from '../config/types.ts';
import type { ConnectionInfo, ServerHandler } from './types.ts';
import { emit } from '../events/emit.ts';

/** The config's limits that the SSH layer enforces itself (documented in src/config/types.ts). */
type SshLimits = Pick<LimitsConfig,
  'loginGraceSeconds' | 'maxAuthTries' | 'maxUnauthenticated' | 'maxUnauthenticatedPerSource' | 'maxQueued' | 'maxQueuedPerSource'
  | 'maxNestedPerConnection' | 'penalties' | 'keepaliveIntervalSeconds' | 'keepaliveCountMax'>;

export interface SshServerOptions {
  host: string;
  port: number;
  hostKeys: Buffer[];
  banner?: string;
  limits: SshLimits;
  /** Absent or no trusted sources: PROXY protocol off (and a PROXY header from anyone is refused). */
  proxyProtocol?: ProxyProtocolConfig;
  handler: ServerHandler;
  logger: Logger;
}

export interface SshServer {
  readonly address: { host: string; port: number };
  /** Live TCP connections (authenticated or not, queued included). */
  connections(): number;
  /** Stops accepting new connections; resolves when the listener is closed. */
  stopAccepting(): Promise<void>;
  /** Disconnects every client now. */
  disconnectAll(): void;
}

interface Pending {
  info: ConnectionInfo;
  conn: PreauthConn;
  authenticated: boolean;
}

export async function startSshServer(opts: SshServerOptions): Promise<SshServer> {
  const log = opts.logger.child({ module: 'ssh' });
  const { limits } = opts;
  const pooled = installPacketPool();
  emit(log, { code: 'SSH_PACKET_POOL', enabled: pooled }, pooled ? 'ssh2 AES-GCM packets from pooled slabs' : 'ssh2 packet allocation unchanged');
  const bySocket = new WeakMap<net.Socket, Pending>();
  const clients = new Set<Connection>();
  const sockets = new Set<net.Socket>();
  const trusted = addressSet(opts.proxyProtocol?.trustedSources ?? []);
  const headerTimeoutMs = (opts.proxyProtocol?.headerTimeoutSeconds ?? 10) * 1000;
  const penalties = createPenalties(limits.penalties, addressSet(limits.penalties.exempt));
  const gate = createPreauthGate(limits, penalties, log);
  const tracker = createPreauthTracker(limits.loginGraceSeconds, gate, penalties, log);
  const nested = createNestedServer({
    hostKeys: opts.hostKeys, maxAuthTries: limits.maxAuthTries, maxNestedPerConnection: limits.maxNestedPerConnection, tracker, clients, log,
  });

  const ssh = new ssh2.Server({
    hostKeys: opts.hostKeys,
    algorithms: HARDENED_ALGORITHMS,
    ident: IDENT,
    ...(opts.banner ? { banner: opts.banner } : {}),
    keepaliveInterval: limits.keepaliveIntervalSeconds * 1000,
    keepaliveCountMax: limits.keepaliveCountMax,
  });
  ssh.on('error', (err: Error) => log.debug({ err: err.message }, 'ssh pre-handshake error'));

  ssh.on('connection', (client: Connection) => {
    const socket = (client as unknown as { _sock?: net.Socket })._sock;
    const pending = socket ? bySocket.get(socket) : undefined;
    if (!pending) {
      client.on('error', () => {});
      client.end();
      return;
    }
    prepareHandshake(client, log, pending.info);
    clients.add(client);
    const clog = log.child({ connId: pending.info.connId });
    const handler = opts.handler.onConnection(pending.info);
    let closed = false;
    wireConnection(client, handler, {
      maxAuthTries: limits.maxAuthTries,
      tunnel: nested.tunnelFor(pending.info, pending.conn.source),
      onAuthenticated: () => {
        pending.authenticated = true;
        pending.conn.authenticated();
      },
      onAuthFailure: () => pending.conn.authFailed(),
      onProtocolError: () => pending.conn.crashed(),
      onClosed: (reason) => {
        clients.delete(client);
        if (closed) return;
        closed = true;
        handler.onClose(reason);
      },
      log: clog,
    });
  });

  /** Hands a connection whose client address is known to the pre-authentication door. */
  const admit = (socket: net.Socket, info: ConnectionInfo, viaProxy: boolean): void => {
    const pending = { info, authenticated: false } as Pending;
    pending.conn = tracker.enter({
      connId: info.connId,
      source: info.remoteAddress,
      kind: 'tcp',
      start: () => {
        if (!viaProxy) {
          watchForProxyHeader(socket, () => {
            pending.conn.exempt(); // a misconfigured balancer is not its users' fault
            emit(log, { code: 'CONNECTION_REFUSED', connId: info.connId, remoteAddress: info.remoteAddress, reason: 'proxy-untrusted' },
              'PROXY protocol header from a source not in proxyProtocol.trustedSources');
            socket.destroy();
          });
        }
        bySocket.set(socket, pending);
        watchClientHello(socket);
        ssh.injectSocket(socket);
      },
      destroy: () => socket.destroy(),
    });
    socket.once('close', () => pending.conn.closed());
  };

  const front = net.createServer((socket) => {
    socket.on('error', (err) => log.debug({ err: err.message }, 'socket error'));
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const info: ConnectionInfo = {
      connId: randomBytes(6).toString('hex'),
      remoteAddress: normalAddress(socket.remoteAddress ?? ''),
      remotePort: socket.remotePort ?? 0,
      localAddress: normalAddress(socket.localAddress ?? ''),
      localPort: socket.localPort ?? 0,
    };
    if (!trusted.has(info.remoteAddress)) return admit(socket, info, false);
    void readProxyHeader(socket, headerTimeoutMs).then((r) => {
      if (!r.ok) {
        if (r.reason !== 'closed') {
          emit(log, { code: 'CONNECTION_REFUSED', connId: info.connId, remoteAddress: info.remoteAddress, reason: r.reason, ...(r.detail ? { detail: r.detail } : {}) },
            'no valid PROXY protocol header from a trusted source');
        }
        socket.destroy();
        return;
      }
      const a = r.addresses;
      const client: ConnectionInfo = a
        ? { connId: info.connId, remoteAddress: normalAddress(a.sourceAddress), remotePort: a.sourcePort, localAddress: normalAddress(a.destAddress), localPort: a.destPort }
        : info;
      emit(log, { code: 'PROXY_HEADER', connId: info.connId, proxy: info.remoteAddress, version: r.version, remoteAddress: client.remoteAddress }, 'PROXY protocol header');
      admit(socket, client, true);
    });
  });

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(opts.port, opts.host, () => {
      front.off('error', reject);
      resolve();
    });
  });
  front.on('error', (err) => log.error({ err: err.message }, 'listener error'));
  const addr = front.address() as net.AddressInfo;

  return {
    address: { host: addr.address, port: addr.port },
    connections: () => sockets.size,
    stopAccepting: () => new Promise((resolve) => {
      if (!front.listening) return resolve();
      front.close(() => resolve());
    }),
    disconnectAll: () => {
      for (const c of clients) endHard(c);
      for (const s of sockets) if (!bySocket.get(s)?.authenticated) s.destroy();
    },
  };
}
