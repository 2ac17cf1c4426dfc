/**
 * podgate's ConnectionHandler: authenticates with public keys (identity = USER before the
 * first `+`), audits every attempt, and after authentication creates one PodSession per
 * session channel and routes direct-tcpip to the forwarding extension when the user may
 * forward. Knows the SSH layer only through src/ssh/types.ts.
 */
import type { Logger } from 'pino';
import type { PodgateConfig, UserConfig } from '../config/types.ts';
import { PodgateError } from '../errors/index.ts';
import type { KubeApi } from '../kube/types.ts';
import type { PublicKeyAuthenticator } from '../auth/public-key-auth.ts';
import { fingerprintOf } from '../auth/authorized-keys.ts';
import { isIP } from 'node:net';
import type { AuthenticatedHandler, AuthRequest, ConnectionControl, ConnectionHandler, ConnectionInfo } from '../ssh/types.ts';
import { parseTarget, splitUser } from '../target/grammar.ts';
import type { TargetSpec } from '../target/types.ts';
import type { ActiveSessions } from './active-sessions.ts';
import type { Extensions, UserContext } from './extensions.ts';
import { PodSession } from './pod-session.ts';
import type { SessionReaper } from './reaper-types.ts';
import { resolveForUser } from './resolve-for-user.ts';

export interface ConnectionDeps {
  config: PodgateConfig;
  users: Map<string, UserConfig>;
  authenticator: PublicKeyAuthenticator;
  kube: KubeApi;
  reaper: SessionReaper | undefined;
  extensions: Extensions;
  active: ActiveSessions;
  logger: Logger;
}

export function createConnectionHandler(info: ConnectionInfo, deps: ConnectionDeps): ConnectionHandler {
  const log = deps.logger.child({ connId: info.connId });
  log.debug({ remoteAddress: info.remoteAddress, remotePort: info.remotePort }, 'connection');
  let authenticatedUser: string | null = null;

  return {
    authenticate(req: AuthRequest): boolean {
      const { user } = splitUser(req.username);
      let accepted = false;
      let fingerprint: string | null = null;
      let reason = 'method-not-allowed';
      let certificate: { keyId: string; serial: string; ca: string } | null = null;
      if (req.method === 'publickey' && req.publicKey) {
        const pk = req.publicKey;
        const verdict = deps.authenticator.check({
          user, key: { algo: pk.algo, data: pk.data }, remoteAddress: info.remoteAddress,
          ...(pk.hashAlgo ? { hashAlgo: pk.hashAlgo } : {}), ...(pk.signature ? { signature: pk.signature } : {}), ...(pk.blob ? { blob: pk.blob } : {}),
        });
        accepted = verdict.accepted;
        fingerprint = verdict.fingerprint;
        reason = verdict.reason;
        if (verdict.certificate) certificate = verdict.certificate;
        // A key query answered "yes" is not yet an authentication: audit the signed attempt.
        if (verdict.reason === 'key-ok') return true;
      } else if (req.publicKey) {
        fingerprint = fingerprintOf(req.publicKey.data);
      }
      log.info({
        code: 'AUTH_ATTEMPT', connId: info.connId, remoteAddress: info.remoteAddress, user: req.username, method: req.method,
        result: accepted ? 'accepted' : 'rejected', fingerprint, reason, ...(certificate ? { certificate } : {}),
      }, accepted ? 'authentication accepted' : 'authentication rejected');
      if (accepted) authenticatedUser = user;
      return accepted;
    },

    onAuthenticated(username: string, control: ConnectionControl): AuthenticatedHandler {
      const user = deps.users.get(authenticatedUser ?? splitUser(username).user)!;
      return authenticatedHandler(user, splitUser(username).rest, info, control, deps, log);
    },

    onClose(reason: string): void {
      log.info({ code: 'CONNECTION_CLOSED', connId: info.connId, reason }, 'connection closed');
    },
  };
}

/**
 * `web.prod` port 22 as a direct-tcpip destination: the jump-host form (docs/contract.md §1). Other ports
 * to such names go to the forwarding extension, which refuses them (not an open proxy).
 */
function jumpTarget(host: string, port: number): TargetSpec | null {
  if (port !== 22 || host === 'localhost' || isIP(host) !== 0) return null;
  try {
    return parseTarget(host);
  } catch {
    return null;
  }
}

/** The channels of an authenticated user whose SSH user name asked for `rest` (after USER+). */
function authenticatedHandler(user: UserConfig, rest: string | null, info: ConnectionInfo, control: ConnectionControl, deps: ConnectionDeps, connLog: Logger): AuthenticatedHandler {
  let target: TargetSpec | null = null;
  let targetError: PodgateError | null = null;
  if (rest !== null) {
    try {
      target = parseTarget(rest);
    } catch (e) {
      targetError = e instanceof PodgateError ? e : new PodgateError('TARGET_INVALID');
    }
  }
  const userLog = connLog.child({ user: user.name });
  const userCtx: UserContext = {
    connId: info.connId, user, identity: { user: user.kubernetes.user, groups: [...user.kubernetes.groups] },
    kube: deps.kube, config: deps.config, logger: userLog,
  };
  const tcpip = deps.extensions.directTcpip;
  let tunnels = 0;
  return {
    onSession: () => new PodSession({ userCtx, target, targetError, reaper: deps.reaper, extensions: deps.extensions, active: deps.active }),
    onDirectTcpip: (req, accept, reject) => {
      const jump = jumpTarget(req.destIP, req.destPort);
      if (jump) {
        // ssh -J USER@bastion TARGET: a nested SSH connection whose sessions go to TARGET as
        // this user. The nested connection authenticates again with one of this user's keys:
        // the channel may be a plain `-L 2022:web.prod:22` that anyone on the client host can
        // connect to, so the outer authentication alone must not open a shell.
        const nested: ConnectionInfo = { ...info, connId: `${info.connId}-j${++tunnels}` };
        const nestedLog = deps.logger.child({ connId: nested.connId });
        control.tunnel(accept(), nested, {
          authenticate: (r) => {
            const named = splitUser(r.username).user;
            let verdict: { accepted: boolean; reason: string; fingerprint: string | null } = { accepted: false, reason: 'method-not-allowed', fingerprint: null };
            if (named !== user.name && deps.users.has(named)) verdict.reason = `jump-host: connection ${info.connId} is ${user.name}, not ${named}`;
            else if (r.method === 'publickey' && r.publicKey) {
              const pk = r.publicKey;
              verdict = deps.authenticator.check({
                user: user.name, key: { algo: pk.algo, data: pk.data }, remoteAddress: info.remoteAddress,
                ...(pk.hashAlgo ? { hashAlgo: pk.hashAlgo } : {}), ...(pk.signature ? { signature: pk.signature } : {}), ...(pk.blob ? { blob: pk.blob } : {}),
              });
              if (verdict.reason === 'key-ok') return true;
            }
            nestedLog.info({
              code: 'AUTH_ATTEMPT', connId: nested.connId, remoteAddress: info.remoteAddress, user: r.username, method: r.method,
              result: verdict.accepted ? 'accepted' : 'rejected', fingerprint: verdict.fingerprint, reason: `jump-host as ${user.name}: ${verdict.reason}`,
            }, 'nested authentication');
            return verdict.accepted;
          },
          onAuthenticated: (_name, nestedControl) => authenticatedHandler(user, req.destIP, nested, nestedControl, deps, nestedLog),
          onClose: (reason) => nestedLog.info({ code: 'CONNECTION_CLOSED', connId: nested.connId, reason }, 'nested connection closed'),
        });
        return;
      }
      if (!tcpip || !user.allow.forwarding) return reject();
      const resolve = () => (target ? resolveForUser(userCtx, target, 'portforward') : Promise.reject(targetError ?? new PodgateError('TARGET_INVALID', 'no target given; use USER+POD')));
      tcpip(req, accept, reject, { ...userCtx, target, resolve });
    },
  };
}
