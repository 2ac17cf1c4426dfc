/**
 * podgate's SSH server: a net.Server in front of ssh2 (notes/ssh2-server.md §7), which adds
 * what ssh2 lacks: a login grace time, caps on unauthenticated connections in total and per
 * source address, SSH_CONNECTION data, and hardened algorithms, keepalive and ident.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import ssh2 from 'ssh2';
import type { Connection } from 'ssh2';
import type { Logger } from 'pino';
import { HARDENED_ALGORITHMS, IDENT } from './algorithms.ts';
import { installPacketPool } from './packet-alloc.ts';
import { endHard, wireConnection } from './connection.ts';
import type { Duplex } from 'node:stream';
import type { LimitsConfig } from '../config/types.ts';
import type { ConnectionHandler, ConnectionInfo, ServerHandler } from './types.ts';
import { emit } from '../events/emit.ts';

/** The config's limits that the SSH layer enforces itself (documented in src/config/types.ts). */
export type SshLimits = Pick<LimitsConfig,
  'loginGraceSeconds' | 'maxAuthTries' | 'maxUnauthenticated' | 'maxUnauthenticatedPerSource' | 'keepaliveIntervalSeconds' | 'keepaliveCountMax'>;

export interface SshServerOptions {
  host: string;
  port: number;
  hostKeys: Buffer[];
  banner?: string;
  limits: SshLimits;
  handler: ServerHandler;
  logger: Logger;
}

export interface SshServer {
  readonly address: { host: string; port: number };
  /** Live TCP connections (authenticated or not). */
  connections(): number;
  /** Stops accepting new connections; resolves when the listener is closed. */
  stopAccepting(): Promise<void>;
  /** Disconnects every client now. */
  disconnectAll(): void;
}

interface Pending {
  info: ConnectionInfo;
  authenticated: boolean;
  graceTimer: NodeJS.Timeout | null;
}

export async function startSshServer(opts: SshServerOptions): Promise<SshServer> {
  const log = opts.logger.child({ module: 'ssh' });
  const { limits } = opts;
  const pooled = installPacketPool();
  emit(log, { code: 'SSH_PACKET_POOL', enabled: pooled }, pooled ? 'ssh2 AES-GCM packets from pooled slabs' : 'ssh2 packet allocation unchanged');
  const bySocket = new WeakMap<net.Socket, Pending>();
  const clients = new Set<Connection>();
  const sockets = new Set<net.Socket>();
  let unauthenticated = 0;
  const unauthPerSource = new Map<string, number>();

  const ssh = new ssh2.Server({
    hostKeys: opts.hostKeys,
    algorithms: HARDENED_ALGORITHMS,
    ident: IDENT,
    ...(opts.banner ? { banner: opts.banner } : {}),
    keepaliveInterval: limits.keepaliveIntervalSeconds * 1000,
    keepaliveCountMax: limits.keepaliveCountMax,
  });
  ssh.on('error', (err: Error) => log.debug({ err: err.message }, 'ssh pre-handshake error'));

  // Nested connections over direct-tcpip channels (jump-host form): same keys and algorithms,
  // no network listener; the outer connection's limits and keepalive already apply. The
  // client authenticates again on the nested connection (publickey only).
  const inner = new ssh2.Server({ hostKeys: opts.hostKeys, algorithms: HARDENED_ALGORITHMS, ident: IDENT });
  inner.on('error', (err: Error) => log.debug({ err: err.message }, 'nested ssh pre-handshake error'));
  const tunnels = new WeakMap<object, { info: ConnectionInfo; handler: ConnectionHandler }>();
  const tunnel = (stream: Duplex, info: ConnectionInfo, handler: ConnectionHandler): void => {
    tunnels.set(stream, { info, handler });
    Object.assign(stream, { remoteAddress: info.remoteAddress, remotePort: info.remotePort, remoteFamily: 'IPv4' });
    inner.injectSocket(stream as never);
  };
  inner.on('connection', (client: Connection) => {
    const stream = (client as unknown as { _sock?: object })._sock;
    const t = stream ? tunnels.get(stream) : undefined;
    if (!t) {
      client.on('error', () => {});
      client.end();
      return;
    }
    clients.add(client);
    let closed = false;
    wireConnection(client, t.handler, {
      maxAuthTries: limits.maxAuthTries,
      tunnel,
      onAuthenticated: () => {},
      onClosed: (reason) => {
        clients.delete(client);
        if (closed) return;
        closed = true;
        t.handler.onClose(reason);
      },
      log: log.child({ connId: t.info.connId }),
    });
  });

  const authenticatedNow = (p: Pending): void => {
    if (p.authenticated) return;
    p.authenticated = true;
    if (p.graceTimer) clearTimeout(p.graceTimer);
    p.graceTimer = null;
    unauthenticated--;
    const n = (unauthPerSource.get(p.info.remoteAddress) ?? 1) - 1;
    if (n <= 0) unauthPerSource.delete(p.info.remoteAddress);
    else unauthPerSource.set(p.info.remoteAddress, n);
  };

  ssh.on('connection', (client: Connection) => {
    const socket = (client as unknown as { _sock?: net.Socket })._sock;
    const pending = socket ? bySocket.get(socket) : undefined;
    if (!pending) {
      client.on('error', () => {});
      client.end();
      return;
    }
    clients.add(client);
    const clog = log.child({ connId: pending.info.connId });
    const handler = opts.handler.onConnection(pending.info);
    let closed = false;
    wireConnection(client, handler, {
      maxAuthTries: limits.maxAuthTries,
      tunnel,
      onAuthenticated: () => authenticatedNow(pending),
      onClosed: (reason) => {
        clients.delete(client);
        if (closed) return;
        closed = true;
        handler.onClose(reason);
      },
      log: clog,
    });
  });

  const front = net.createServer((socket) => {
    socket.on('error', (err) => log.debug({ err: err.message }, 'socket error'));
    socket.setNoDelay(true);
    const info: ConnectionInfo = {
      connId: randomBytes(6).toString('hex'),
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
    };
    const fromSource = unauthPerSource.get(info.remoteAddress) ?? 0;
    if (unauthenticated >= limits.maxUnauthenticated || fromSource >= limits.maxUnauthenticatedPerSource) {
      emit(log, { code: 'CONNECTION_CLOSED', connId: info.connId, remoteAddress: info.remoteAddress, reason: 'unauthenticated-limit' }, 'too many unauthenticated connections');
      socket.destroy();
      return;
    }
    unauthenticated++;
    unauthPerSource.set(info.remoteAddress, fromSource + 1);
    const pending: Pending = { info, authenticated: false, graceTimer: null };
    pending.graceTimer = setTimeout(() => {
      emit(log, { code: 'CONNECTION_CLOSED', connId: info.connId, remoteAddress: info.remoteAddress, reason: 'login-grace-timeout' }, 'login grace time over');
      socket.destroy();
    }, limits.loginGraceSeconds * 1000);
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (!pending.authenticated) authenticatedNow(pending); // releases the unauthenticated slot
    });
    bySocket.set(socket, pending);
    ssh.injectSocket(socket);
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
