/**
 * Extension points of the session layer, for the features built on top of it. Each is small:
 * a function given the raw SSH channel (which it then owns: it must end it, e.g. with
 * `finishChannel`) and a context. A feature is only reachable when registered here AND allowed
 * by the user's policy; without a handler podgate refuses (subsystems, direct-tcpip) or answers
 * `podgate: ...` with exit status 255 (the console).
 *
 * Handlers are passed to `startBastion(config, { extensions })` by the composition root.
 */
import type { Duplex } from 'node:stream';
import type { CertRestrictions } from '../auth/certificate.ts';
import type { Logger } from 'pino';
import type { PodgateConfig, UserConfig } from '../config/types.ts';
import type { Identity, KubeApi } from '../kube/types.ts';
import type { ClusterSet } from '../clusters/types.ts';
import type { PolicyAction } from '../policy/index.ts';
import type { DirectTcpipRequest, PtyRequest, SessionChannel, WindowSize } from '../ssh/types.ts';
import type { ResolvedTarget } from '../target/resolve.ts';
import type { TargetSpec } from '../target/types.ts';
import type { SessionReaper } from './reaper-types.ts';
import type { Recorder } from '../recordings/recorder.ts';
import type { SessionRegistry } from '../sessions/registry.ts';
import type { LingerPool } from '../sessions/linger.ts';
import type { ReplicaHub } from '../replicas/index.ts';

/** What every handler knows about the user and the connection. */
export interface UserContext {
  connId: string;
  /** The podgate user (config entry). */
  user: UserConfig;
  /** The Kubernetes identity every API call for this user impersonates. */
  identity: Identity;
  /** The client of `cluster`: the target's cluster, else the default one (docs/clusters.md). */
  kube: KubeApi;
  /** The name of the cluster `kube` talks to. */
  cluster: string;
  /** Every configured cluster (the console spans them; src/clusters/choose.ts moves a context). */
  clusters: ClusterSet;
  config: PodgateConfig;
  /** Per-connection child logger (`connId`, `user`). Put user data in values, never in keys. */
  logger: Logger;
  /** Set when the user logged in with a certificate: what its extensions allow (PTY, forwarding). */
  certRestrictions?: CertRestrictions;
  /** The live PTY sessions of this bastion (sessions, attach, watch, resume; docs/sessions.md). */
  liveSessions?: SessionRegistry;
  /** Processes of dropped non-PTY sessions lingering for the grace (docs/sessions.md). */
  lingering?: LingerPool;
  /** The other replicas' sessions, through their Leases and the relay (docs/replicas.md); absent when replicas is off. */
  replicas?: ReplicaHub;
  /** The browser terminal's link issuer (src/web), when `web.listen` is on. */
  web?: WebLinkIssuer;
}

/** Prints one-time browser links (`ssh USER@bastion web TARGET`); the caller checked the policy. */
export interface WebLinkIssuer {
  /** The URL; throws a PodgateError when the user holds too many unopened links. */
  issue(req: { connId: string; user: string; target: string; command: string | null; logger: Logger; join?: { mode: 'attach' | 'watch'; sessionId: string } }): string;
}

/** A session channel's context, once its target is resolved. */
export interface SessionContext extends UserContext {
  sessionId: string;
  target: ResolvedTarget;
  reaper: SessionReaper | undefined;
  /**
   * The argv to exec for this session (as sshd would run `command`, or a login shell for
   * null), wrapped by the reaper when there is one, so everything it starts is ended when
   * the session ends. Allowed `env` requests (and TERM under a PTY) are applied.
   */
  argv(command: string | null, tty: boolean): string[];
  /**
   * The argv for one of podgate's own helper scripts (SFTP/scp file layer, probes): wrapped by
   * the reaper like the session's own processes, but WITHOUT the client's `env` requests,
   * which are meant for the user's command or shell only (LD_PRELOAD-like names an operator
   * allowed must not steer podgate's helpers).
   */
  helperArgv(script: string): string[];
  pty: PtyRequest | null;
  /** Subscribes to window-change requests. */
  onResize(listener: (size: WindowSize) => void): void;
  /**
   * Aborted once the channel or the connection is gone. A handler that paused its channel
   * (backpressure) may see neither 'end' nor 'close' from it.
   */
  closed?: AbortSignal;
}

/** What a channel handler reports for the SESSION_END audit event. */
export interface HandlerOutcome {
  exitCode: number | null;
  bytesIn?: number;
  bytesOut?: number;
}

/** Owns a session channel until it resolves; must end the channel. Rejecting with a
 * PodgateError makes the bridge print `podgate: <message>` and exit 255 (if still open). */
export type ChannelHandler = (channel: SessionChannel, ctx: SessionContext) => Promise<HandlerOutcome>;

/**
 * Given an exec request's command, may take over the channel (legacy `scp -t/-f`): returns the
 * handler and the policy action it is (checked, with the target, before the handler runs).
 * Called before the target is resolved; it must only parse, never act.
 */
export type ExecInterceptor = (command: string) => { action: PolicyAction; handler: ChannelHandler } | null;

/** Sessions of a user with no target (`ssh alice@bastion [cmd]`): the console. */
export interface ConsoleContext extends UserContext {
  sessionId: string;
  /** The command (null for an interactive session). */
  command: string | null;
  pty: PtyRequest | null;
  onResize(listener: (size: WindowSize) => void): void;
  /**
   * Opens a login shell in `target` on this same channel (the picker's Enter), exactly as
   * `ssh USER+TARGET@bastion` would: resolution, access review, audit, reaping. Absent when
   * the bridge cannot do it.
   */
  enter?: (target: TargetSpec) => Promise<HandlerOutcome>;
  /** Aborted when the channel or the connection is gone (the channel may emit no 'close'). */
  closed: AbortSignal;
}
export type ConsoleHandler = (channel: SessionChannel, ctx: ConsoleContext) => Promise<HandlerOutcome>;

/** direct-tcpip channels (`ssh -L`, `-D`); `target` is the parsed SSH user target, if any. */
export interface TcpipContext extends UserContext {
  target: TargetSpec | null;
  /** Resolves the user's target (access review for pods/portforward). */
  resolve: () => Promise<ResolvedTarget>;
}
export type TcpipHandler = (req: DirectTcpipRequest, accept: () => Duplex, reject: () => void, ctx: TcpipContext) => void;

export interface Extensions {
  /**
   * Subsystem name (`sftp`) → handler; looked up with subsystemHandler() (own keys only). The
   * `sftp` entry is the policy action `sftp`; any other subsystem counts as `exec`.
   */
  subsystems: Record<string, ChannelHandler>;
  /** Tried in order for every exec request before the default `/bin/sh -c`. */
  execInterceptors: ExecInterceptor[];
  /** Policy action `console` (allow.console). */
  console?: ConsoleHandler;
  /** Policy action `forward` (allow.forwarding). */
  directTcpip?: TcpipHandler;
  /** Records PTY sessions when `recordings.dir` is set (src/recordings); absent: none are. */
  recorder?: Pick<Recorder, 'start'>;
}

/** The handler of a subsystem: own entries only, so `__proto__` or `constructor` is none. */
export function subsystemHandler(ext: Extensions, name: string): ChannelHandler | null {
  return Object.hasOwn(ext.subsystems, name) ? ext.subsystems[name] : null;
}

/** The policy action a subsystem request is. */
export function subsystemAction(name: string): PolicyAction {
  return name === 'sftp' ? 'sftp' : 'exec';
}

export function emptyExtensions(): Extensions {
  return { subsystems: {}, execInterceptors: [] };
}
