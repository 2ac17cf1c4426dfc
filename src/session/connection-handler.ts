/**
 * podgate's ConnectionHandler: authenticates with public keys (identity = USER before the
 * first `+`), audits every attempt, and after authentication creates one PodSession per
 * session channel and routes direct-tcpip to the forwarding extension when the user may
 * forward. Knows the SSH layer only through src/ssh/types.ts.
 */
import type { Logger } from 'pino';
import type { PodgateConfig, UserConfig } from '../config/types.ts';
import { PodgateError } from '../errors/index.ts';
import { authorizeTarget, decisionError, mayDo } from '../policy/index.ts';
import type { ClusterSet } from '../clusters/types.ts';
import { inCluster } from '../clusters/choose.ts';
import type { PublicKeyAuthenticator } from '../auth/public-key-auth.ts';
import type { CertRestrictions } from '../auth/certificate.ts';
import { fingerprintOf } from '../auth/authorized-keys.ts';
import { isIP } from 'node:net';
import type { AuthenticatedHandler, AuthRequest, ConnectionControl, ConnectionHandler, ConnectionInfo } from '../ssh/types.ts';
import { parseTarget, splitUser } from '../target/grammar.ts';
import type { TargetSpec } from '../target/types.ts';
import type { ActiveSessions } from './active-sessions.ts';
import { configExpiryMs, expiredLine, type AccessExpiry } from './access-expiry.ts';
import type { Extensions, UserContext, WebLinkIssuer } from './extensions.ts';
import { LimitRefusals } from './limit-refusal.ts';
import { PodSession } from './pod-session.ts';
import { SessionCap } from './session-cap.ts';
import type { SessionReaper } from './reaper-types.ts';
import type { SessionRegistry } from '../sessions/registry.ts';
import type { LingerPool } from '../sessions/linger.ts';
import type { ReplicaHub } from '../replicas/index.ts';
import { emit } from '../events/emit.ts';

export interface ConnectionDeps {
  config: PodgateConfig;
  users: Map<string, UserConfig>;
  authenticator: PublicKeyAuthenticator;
  clusters: ClusterSet;
  reaper: SessionReaper | undefined;
  extensions: Extensions;
  active: ActiveSessions;
  /** Ends the sessions of logins whose access expires (src/session/access-expiry.ts). */
  expiry: AccessExpiry;
  logger: Logger;
  /** The live PTY sessions (docs/sessions.md); absent in unit tests that need none. */
  liveSessions?: SessionRegistry;
  /** Lingering processes of dropped non-PTY sessions (docs/sessions.md). */
  lingering?: LingerPool;
  /** The browser terminal's link issuer, when web.listen is on. */
  web?: WebLinkIssuer;
  /** Sessions across replicas (docs/replicas.md). */
  replicas?: ReplicaHub;
}

/** A jump's nested connection: whose it is, and the outer login's certificate restrictions. */
interface Bound {
  user: UserConfig;
  outerConnId: string;
  /** The jump host name the nested sessions target (`web.prod`). */
  host: string;
  outerRestrictions: CertRestrictions | undefined;
}

/** The restrictions of an outer and a nested (jump) login together: each must allow. */
function bothRestrictions(a: CertRestrictions | undefined, b: CertRestrictions | undefined): CertRestrictions | undefined {
  if (!a || !b) return a ?? b;
  const ends = [a.validBeforeMs, b.validBeforeMs].filter((t) => t !== undefined);
  return { pty: a.pty && b.pty, portForwarding: a.portForwarding && b.portForwarding, ...(ends.length > 0 ? { validBeforeMs: Math.min(...ends) } : {}) };
}

/**
 * The one authenticate-and-audit path, for outer connections and for the nested connections of
 * the jump form alike: the key check and one AUTH_ATTEMPT event per decided attempt. `bound`:
 * the nested connection of a jump belongs to that user; it may only authenticate as them.
 */
function authenticateAttempt(req: AuthRequest, info: ConnectionInfo, deps: ConnectionDeps, log: Logger, bound: Bound | null): { accepted: boolean; user: string; certRestrictions?: CertRestrictions } {
  const named = splitUser(req.username).user;
  const user = bound ? bound.user.name : named;
  let accepted = false;
  let fingerprint: string | null = null;
  let reason = 'method-not-allowed';
  let certificate: { keyId: string; serial: string; ca: string } | null = null;
  let certRestrictions: CertRestrictions | undefined;
  if (bound && named !== bound.user.name && deps.users.has(named)) {
    reason = `jump-host: connection ${bound.outerConnId} is ${bound.user.name}, not ${named}`;
  } else if (req.method === 'publickey' && req.publicKey) {
    const pk = req.publicKey;
    const verdict = deps.authenticator.check({
      user, key: { algo: pk.algo, data: pk.data }, remoteAddress: info.remoteAddress,
      ...(pk.hashAlgo ? { hashAlgo: pk.hashAlgo } : {}), ...(pk.signature ? { signature: pk.signature } : {}), ...(pk.blob ? { blob: pk.blob } : {}),
    });
    accepted = verdict.accepted;
    fingerprint = verdict.fingerprint;
    reason = verdict.reason;
    if (verdict.certificate) certificate = verdict.certificate;
    certRestrictions = verdict.accepted ? verdict.certRestrictions : undefined;
    // users[].expires (docs/clusters.md): past it, no login, and the client is told why.
    const expires = deps.users.get(user)?.expires;
    const end = configExpiryMs(deps.users.get(user));
    if (verdict.accepted && expires !== undefined && end !== null && Date.now() >= end) {
      accepted = false;
      certRestrictions = undefined;
      reason = `access-expired: ${expires}`;
      req.tell?.(`podgate: ${expiredLine(user, expires)}`);
    } else if (verdict.reason === 'key-ok') {
      // A key query answered "yes" is not yet an authentication: audit the signed attempt.
      return { accepted: true, user };
    }
    if (!verdict.accepted && verdict.reason === 'expired' && verdict.certificate) req.tell?.(`podgate: the certificate for ${user} has expired`);
  } else if (req.publicKey) {
    fingerprint = fingerprintOf(req.publicKey.data);
  }
  emit(log, {
    code: 'AUTH_ATTEMPT', connId: info.connId, remoteAddress: info.remoteAddress, user: req.username, method: req.method,
    result: accepted ? 'accepted' : 'rejected', fingerprint, reason: bound ? `jump-host as ${bound.user.name}: ${reason}` : reason,
    ...(certificate ? { certificate } : {}), ...(bound ? { outerConnId: bound.outerConnId } : {}),
  }, accepted ? 'authentication accepted' : 'authentication rejected');
  return { accepted, user, ...(certRestrictions ? { certRestrictions } : {}) };
}

export function createConnectionHandler(info: ConnectionInfo, deps: ConnectionDeps): ConnectionHandler {
  const log = deps.logger.child({ connId: info.connId });
  log.debug({ remoteAddress: info.remoteAddress, remotePort: info.remotePort }, 'connection');
  return connectionHandler(info, deps, log, null);
}

function connectionHandler(info: ConnectionInfo, deps: ConnectionDeps, log: Logger, bound: Bound | null): ConnectionHandler {
  let authenticatedUser: string | null = null;
  let certRestrictions: CertRestrictions | undefined;
  let told = false;
  let unwatch: (() => void) | null = null;
  return {
    authenticate(req: AuthRequest): boolean {
      // One banner per connection: OpenSSH asks again for each of its keys.
      const tell = req.tell;
      const once = tell ? { tell: (text: string) => { if (!told) tell(text); told = true; } } : {};
      const r = authenticateAttempt({ ...req, ...once }, info, deps, log, bound);
      if (r.accepted) {
        authenticatedUser = r.user;
        certRestrictions = r.certRestrictions;
      }
      return r.accepted;
    },

    onAuthenticated(username: string, control: ConnectionControl): AuthenticatedHandler {
      if (bound) {
        // The nested connection's sessions target the jump host name (`web.prod`); a jump keeps
        // the outer login's certificate restrictions.
        const both = bothRestrictions(bound.outerRestrictions, certRestrictions);
        unwatch = deps.expiry.watch(info.connId, bound.user.name, both?.validBeforeMs, control);
        return authenticatedHandler(bound.user, bound.host, info, control, deps, log, both);
      }
      const user = deps.users.get(authenticatedUser ?? splitUser(username).user)!;
      // Access that expires (docs/clusters.md): users[].expires and the certificate's valid-before.
      unwatch = deps.expiry.watch(info.connId, user.name, certRestrictions?.validBeforeMs, control);
      return authenticatedHandler(user, splitUser(username).rest, info, control, deps, log, certRestrictions);
    },

    onClose(reason: string): void {
      unwatch?.();
      // What this connection's sessions adopted lingers again (docs/sessions.md).
      deps.lingering?.release(info.connId);
      emit(log, { code: 'CONNECTION_CLOSED', connId: info.connId, reason, ...(bound ? { outerConnId: bound.outerConnId } : {}) }, bound ? 'nested connection closed' : 'connection closed');
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
function authenticatedHandler(
  user: UserConfig, rest: string | null, info: ConnectionInfo, control: ConnectionControl, deps: ConnectionDeps, connLog: Logger, certRestrictions?: CertRestrictions,
): AuthenticatedHandler {
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
  const home = deps.clusters.defaultCluster;
  let userCtx: UserContext = {
    connId: info.connId, user, identity: { user: user.kubernetes.user, groups: [...user.kubernetes.groups] },
    kube: home.kube, cluster: home.name, clusters: deps.clusters, config: deps.config, logger: userLog, ...(certRestrictions ? { certRestrictions } : {}),
    ...(deps.liveSessions ? { liveSessions: deps.liveSessions } : {}),
    ...(deps.lingering ? { lingering: deps.lingering } : {}),
    ...(deps.web ? { web: deps.web } : {}),
    ...(deps.replicas ? { replicas: deps.replicas } : {}),
  };
  // The target's cluster (docs/clusters.md): its client serves every channel of this connection.
  if (target) {
    try {
      userCtx = inCluster(userCtx, target.cluster);
    } catch (e) {
      targetError = e instanceof PodgateError ? e : new PodgateError('TARGET_INVALID');
      target = null;
    }
  }
  const tcpip = deps.extensions.directTcpip;
  const mayForward = tcpip !== undefined && mayDo(user, 'forward').allowed;
  const mayJump = mayDo(user, 'jump').allowed;
  let tunnels = 0;
  const sessions = new SessionCap(deps.config.limits.maxSessionsPerConnection, new LimitRefusals(userLog, { connId: info.connId, user: user.name }));
  const onDirectTcpip: AuthenticatedHandler['onDirectTcpip'] = (req, accept, reject) => {
    // A certificate without `permit-port-forwarding`: no forwarding, jump included (as sshd).
    if (certRestrictions?.portForwarding === false) return reject();
    const jump = jumpTarget(req.destIP, req.destPort);
    if (jump) {
      if (!mayJump) {
        const why = decisionError(mayDo(user, 'jump'));
        emit(userLog, {
          code: 'FORWARD_DENIED', connId: info.connId, forwardId: 'jump', user: user.name, host: req.destIP, port: req.destPort, namespace: null, pod: null,
          target: req.destIP, result: 'policy', errorCode: 'POLICY_DENIED', message: why?.userMessage ?? 'jump refused', detail: why?.operatorMessage ?? 'jump refused by allow.*',
        }, 'jump refused');
        return reject();
      }
      // ssh -J USER@bastion TARGET: a nested SSH connection whose sessions go to TARGET as
      // this user, each checked by the policy as its own action. The nested connection
      // authenticates again with one of this user's keys, through the same path as outer
      // ones: the channel may be a plain `-L 2022:web.prod:22` that anyone on the client
      // host can connect to, so the outer authentication alone must not open a shell.
      const nested: ConnectionInfo = { ...info, connId: `${info.connId}-j${++tunnels}` };
      const nestedLog = deps.logger.child({ connId: nested.connId });
      control.tunnel(accept(), nested, connectionHandler(nested, deps, nestedLog, { user, outerConnId: info.connId, host: req.destIP, outerRestrictions: certRestrictions }));
      return;
    }
    if (!tcpip || !mayForward) return reject();
    const resolve = () => (target ? authorizeTarget(userCtx, 'forward', target) : Promise.reject(targetError ?? new PodgateError('TARGET_INVALID', 'no target given; use USER+POD')));
    tcpip(req, accept, reject, { ...userCtx, target, resolve });
  };
  return {
    onSession: () => sessions.admit(() => new PodSession({ userCtx, target, targetError, reaper: deps.reaper, extensions: deps.extensions, active: deps.active })),
    // Only a listener for what the policy lets this user do: otherwise ssh2 refuses the
    // channel type itself.
    ...(mayForward || mayJump ? { onDirectTcpip } : {}),
  };
}
