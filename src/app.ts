/**
 * The composition root of the bastion. `startBastion` wires, in this order:
 *
 *   net.Server front door (login grace, unauthenticated caps)          src/ssh/server.ts
 *     → ssh2 connection (hardened algorithms, keepalive, MaxAuthTries)  src/ssh/connection.ts
 *       → ConnectionHandler: public-key auth + AUTH_ATTEMPT audit       src/session/connection-handler.ts
 *         → PodSession per session channel: target → access review →
 *           exec (or an extension) → bridge → exit → reap              src/session/pod-session.ts
 *
 * Everything Kubernetes goes through `deps.clusters` (a KubeApi per cluster), always impersonating the user.
 */
import { installPacketPool } from './ssh/packet-alloc.ts';
import { applyYoungGenerationSetting } from './ssh/young-generation.ts';
import type { Logger } from 'pino';
import { PublicKeyAuthenticator } from './auth/public-key-auth.ts';
import { mustParseListen } from './config/listen.ts';
import type { PodgateConfig, UserConfig } from './config/types.ts';
import type { ClusterSet } from './clusters/types.ts';
import { ActiveSessions } from './session/active-sessions.ts';
import { AccessExpiry } from './session/access-expiry.ts';
import { SessionRegistry } from './sessions/registry.ts';
import { LingerPool } from './sessions/linger.ts';
import type { LeaseApi } from './kube/index.ts';
import { replicasFor } from './replicas/wire.ts';
import { createConnectionHandler } from './session/connection-handler.ts';
import { emptyExtensions, type Extensions } from './session/extensions.ts';
import type { SessionReaper } from './session/reaper-types.ts';
import { startSshServer } from './ssh/server.ts';
import { splitUser } from './target/grammar.ts';
import type { ConnectionControl, ConnectionHandler } from './ssh/types.ts';
import { emit } from './events/emit.ts';
import { startWebTerminal } from './web/index.ts';

export interface BastionDeps {
  /** One Kubernetes client per configured cluster (src/clusters/registry.ts). */
  clusters: ClusterSet;
  logger: Logger;
  reaper?: SessionReaper;
  /** Private host keys (OpenSSH or PEM), already read from the files. */
  hostKeys: Buffer[];
  /** sftp/scp, console, forwarding handlers (src/session/extensions.ts). */
  extensions?: Partial<Extensions>;
  /** Overrides config.listen (the CLI's --listen). */
  listen?: { host: string; port: number };
  /** Leases as podgate's own identity: sessions across replicas (docs/replicas.md), with `replicas` set. */
  leases?: LeaseApi;
}

export interface Bastion {
  address: { host: string; port: number };
  /**
   * Stops accepting, tells every connected user, lets sessions finish for `graceMs` (default
   * config.limits.shutdownGraceSeconds), then ends the rest like a disconnect (reaped).
   */
  close(opts?: { graceMs?: number }): Promise<void>;
  /** Live TCP connections. */
  connections(): number;
  /**
   * Applies a new config (users, keys, CAs, policies, session limits) to new connections;
   * sessions of removed users end with a message and their connections close. Keys that need
   * a restart are the caller's to refuse (src/config/reload-diff.ts).
   */
  reload(next: PodgateConfig, removed: readonly string[]): Promise<void>;
}

/** The current users, key checker and config: replaced as a whole by a reload. */
function authState(config: PodgateConfig, logger: Logger) {
  return {
    config,
    users: new Map<string, UserConfig>(config.users.map((u) => [u.name, u])),
    authenticator: new PublicKeyAuthenticator(config.users, (user, line, reason) =>
      emit(logger, { code: 'CONFIG_KEY_IGNORED', user, line, reason }, 'unusable public key in config'), config.userCAs ?? []),
  };
}

export async function startBastion(config: PodgateConfig, deps: BastionDeps): Promise<Bastion> {
  const logger = deps.logger;
  let state = authState(config, logger);
  // Authenticated connections by user, so a reload can close a removed user's connections.
  const byUser = new Map<string, Map<string, ConnectionControl>>();
  const extensions: Extensions = { ...emptyExtensions(), ...deps.extensions };
  const active = new ActiveSessions();
  // Access that expires (docs/clusters.md): one watch per authenticated connection, re-armed by reloads.
  const expiry = new AccessExpiry(state.users, active, logger, config.limits.reapGraceSeconds * 1000 + 15_000);
  const liveSessions = new SessionRegistry();
  const lingering = new LingerPool(logger);
  // Sessions across replicas: the relay listener and the session Leases (docs/replicas.md).
  const replicas = await replicasFor(config, deps.leases, liveSessions, logger, deps.reaper ? { pool: lingering, reaper: deps.reaper } : undefined);
  const listen = deps.listen ?? mustParseListen(config.listen);

  // The browser terminal (src/web): its sessions are PodSessions in the same `active` set.
  const web = config.web.listen === null ? null : await startWebTerminal({ current: () => state, clusters: deps.clusters, reaper: deps.reaper, extensions, active, logger, liveSessions, lingering });
  // Decided here from the config, before the SSH server's own (later) call asks again.
  installPacketPool(config.ssh.packetPool);
  applyYoungGenerationSetting(config.ssh.pinYoungGeneration);
  const ssh = await startSshServer({
    host: listen.host,
    port: listen.port,
    hostKeys: deps.hostKeys,
    ...(config.banner ? { banner: config.banner } : {}),
    limits: config.limits,
    proxyProtocol: config.proxyProtocol,
    logger,
    handler: {
      onConnection: (info): ConnectionHandler => {
        const { config: cfg, users, authenticator } = state;
        const inner = createConnectionHandler(info, { config: cfg, users, authenticator, clusters: deps.clusters, reaper: deps.reaper, extensions, active, expiry, logger, liveSessions, lingering, ...(web ? { web: web.issuer } : {}), ...(replicas ? { replicas } : {}) });
        let name: string | null = null;
        return {
          ...inner,
          onAuthenticated(username, control) {
            name = splitUser(username).user;
            const conns = byUser.get(name) ?? new Map<string, ConnectionControl>();
            conns.set(info.connId, control);
            byUser.set(name, conns);
            return inner.onAuthenticated(username, control);
          },
          onClose(reason) {
            if (name !== null) byUser.get(name)?.delete(info.connId);
            inner.onClose(reason);
          },
        };
      },
    },
  });
  emit(logger, { code: 'SERVER_LISTENING', address: ssh.address.host, port: ssh.address.port }, `podgate listening on ${ssh.address.host}:${ssh.address.port}`);

  let closing: Promise<void> | null = null;
  return {
    address: ssh.address,
    connections: () => ssh.connections(),
    async reload(next, removed) {
      state = authState(next, logger);
      expiry.reload(state.users);
      if (removed.length === 0) return;
      const gone = new Set(removed);
      await active.terminateWhere((s) => s.userName !== undefined && gone.has(s.userName), 'user-removed', config.limits.reapGraceSeconds * 1000 + 15_000);
      for (const name of removed) {
        for (const control of byUser.get(name)?.values() ?? []) control.end();
        byUser.delete(name);
      }
    },
    close(opts = {}) {
      closing ??= (async () => {
        const graceMs = opts.graceMs ?? config.limits.shutdownGraceSeconds * 1000;
        const stopped = ssh.stopAccepting();
        web?.stopAccepting();
        emit(logger, { code: 'SHUTDOWN', sessions: active.size, graceMs }, 'shutting down');
        active.notifyAll(`the bastion is shutting down; sessions end in ${Math.round(graceMs / 1000)} s`);
        await active.drained(graceMs);
        active.terminateAll('shutdown');
        await active.drained(config.limits.reapGraceSeconds * 1000 + 15_000);
        ssh.disconnectAll();
        await web?.close();
        await stopped;
        // Processes of dropped non-PTY sessions that still linger: reaped now, as on a disconnect.
        await lingering.reapAll();
        await replicas?.close();
      })();
      return closing;
    },
  };
}
