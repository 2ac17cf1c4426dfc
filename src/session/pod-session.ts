/**
 * One SSH session channel of an authenticated user: collects pty/env requests, and on
 * shell/exec/subsystem resolves the target, checks access, opens the exec (or hands the channel
 * to an extension), bridges it, and at the end reaps everything the session started. Errors
 * podgate detects end the session with one `podgate: <message>` line and exit status 255.
 */
import { PodgateError, toPodgateError } from '../errors/index.ts';
import type { ExecSession } from '../kube/types.ts';
import { decisionError, mayDo, type PolicyAction } from '../policy/index.ts';
import { authorizeInCluster } from '../clusters/choose.ts';
import { finishChannel } from '../ssh/finish-channel.ts';
import type { PtyRequest, SessionChannel, SessionHandler, SessionStart, WindowSize } from '../ssh/types.ts';
import type { ResolvedTarget } from '../target/resolve.ts';
import type { TargetSpec } from '../target/types.ts';
import type { ActiveSession, ActiveSessions } from './active-sessions.ts';
import { sessionArgv } from './command.ts';
import { EnvBudget, envAllowed, withEnv } from './env.ts';
import { bridgeExec } from './exec-bridge.ts';
import { subsystemAction, subsystemHandler, type ChannelHandler, type Extensions, type HandlerOutcome, type SessionContext, type UserContext } from './extensions.ts';
import { LimitRefusals } from './limit-refusal.ts';
import { noShellError } from './reap-no-shell.ts';
import type { SessionReaper } from './reaper-types.ts';
import { SessionTimers } from './session-timers.ts';
import { newSessionId } from './session-id.ts';
import type { SessionRecording } from '../recordings/recorder.ts';
import { emit } from '../events/emit.ts';
import { bridgeLive } from '../sessions/live-bridge.ts';
import type { LiveSession } from '../sessions/live-session.ts';
import { resumeChannel } from '../sessions/join.ts';
import { resumeElsewhere } from '../replicas/resume-remote.ts';
import { adoptElsewhere } from '../replicas/adopt-remote.ts';
import type { AttachHandle } from '../sessions/types.ts';
import type { EndReason, TerminateReason } from '../events/end-reasons.ts';

export interface PodSessionDeps {
  userCtx: UserContext;
  /** The parsed target of the SSH user name; `targetError` when it did not parse. */
  target: TargetSpec | null;
  targetError: PodgateError | null;
  reaper: SessionReaper | undefined;
  extensions: Extensions;
  active: ActiveSessions;
  /** `web`: a browser terminal session (src/web): policy action `web`, audited with `via: web`. */
  via?: 'web';
}


export class PodSession implements SessionHandler, ActiveSession {
  readonly sessionId = newSessionId();
  readonly finished: Promise<void>;
  #finish!: () => void;
  readonly #d: PodSessionDeps;
  #pty: PtyRequest | null = null;
  readonly #env = new Map<string, string>();
  #channel: SessionChannel | null = null;
  #exec: ExecSession | null = null;
  #resizeListeners: ((s: WindowSize) => void)[] = [];
  #endReason: EndReason | null = null;
  #closed = false;
  readonly #timers: SessionTimers;
  /** Aborted once the channel or connection is gone (for handlers that outlive a read). */
  readonly #gone = new AbortController();
  readonly #envBudget: EnvBudget;
  readonly #refusals: LimitRefusals;
  /** The live PTY session this channel runs (docs/sessions.md), once it started. */
  #live: LiveSession | null = null;
  /** This channel as a client of a live session: its own, or one it resumed. */
  #handle: AttachHandle | null = null;

  constructor(deps: PodSessionDeps) {
    this.#d = deps;
    this.finished = new Promise((r) => { this.#finish = r; });
    const { limits } = deps.userCtx.config;
    this.#timers = new SessionTimers(limits.idleTimeoutSeconds, limits.maxSessionSeconds, (why) => this.terminate(why));
    this.#envBudget = new EnvBudget(limits.maxEnvPerSession, limits.maxEnvBytesPerSession);
    this.#refusals = new LimitRefusals(deps.userCtx.logger, { sessionId: this.sessionId });
  }

  onEnv(name: string, value: string): boolean {
    if (!envAllowed(name, this.#d.userCtx.config.session.envAllow)) return false;
    const over = this.#envBudget.take(name, value);
    if (over !== null) { this.#refusals.refuse(over, this.#d.userCtx.config.limits[over]); return false; }
    this.#env.set(name, value);
    return true;
  }

  onPty(pty: PtyRequest): boolean {
    // A certificate without `permit-pty` gets no PTY (as with OpenSSH's sshd).
    if (this.#d.userCtx.certRestrictions?.pty === false) return false;
    this.#pty = pty;
    return true;
  }

  onWindowChange(size: WindowSize): void {
    if (this.#pty) this.#pty = { ...this.#pty, cols: size.cols, rows: size.rows };
    if (this.#handle) this.#handle.resize(size);
    else if (this.#exec) this.#exec.resize(size);
    for (const l of this.#resizeListeners) l(size);
  }

  canSubsystem(name: string): boolean {
    if (subsystemHandler(this.#d.extensions, name) === null || this.#d.target === null) return false;
    return mayDo(this.#d.userCtx.user, subsystemAction(name)).allowed;
  }

  onStart(start: SessionStart, channel: SessionChannel): void {
    this.#channel = channel;
    this.#d.active.add(this);
    this.run(start, channel).then(
      () => this.#finish(),
      (err: unknown) => {
        emit(this.#d.userCtx.logger, { code: 'INTERNAL', sessionId: this.sessionId, err: (err as Error).message }, 'session failed');
        this.#finish();
      },
    );
  }

  onClose(): void {
    this.#refusals.flush();
    this.#closed = true;
    this.#gone.abort();
    // A live session decides itself: detached for the grace, or ended (onAbandoned).
    if (this.#handle) return this.#handle.detach();
    this.#endReason ??= 'client-closed';
    this.#timers.stop();
    this.#exec?.abort();
  }

  notify(message: string): void {
    if (this.#live) return this.#live.notify(message);
    if (this.#handle) return; // a resumed session: its owner tells whoever is attached
    const ch = this.#channel;
    if (ch && !this.#closed && ch.stderr.writable) ch.stderr.write(this.line(message));
  }

  get userName(): string {
    return this.#d.userCtx.user.name;
  }

  get connId(): string {
    return this.#d.userCtx.connId;
  }

  terminate(reason: TerminateReason, message?: string): void {
    if (this.#endReason) return;
    this.#endReason = reason;
    this.#timers.stop();
    const text = message ?? { shutdown: 'the bastion is shutting down', 'idle-timeout': 'session closed after being idle too long', 'max-time': 'session reached its maximum duration', 'user-removed': 'your user was removed from the bastion configuration; session ended', 'access-expired': 'access expired' }[reason];
    // A live session ends its clients itself (they may be on other connections).
    if (this.#live) return this.#live.terminate(text);
    if (this.#handle) return; // a resumed session: its owner ends it
    const ch = this.#channel;
    this.#exec?.abort();
    if (ch) void finishChannel(ch, 255, this.line(text));
  }

  private async run(start: SessionStart, ch: SessionChannel): Promise<void> {
    const { target } = this.#d;
    const command = start.type === 'exec' ? start.command : null;
    if (this.#d.targetError) return this.deny(ch, this.#d.targetError, command);
    if (target === null) return this.runConsole(ch, command);
    await this.runTarget(start, ch, target);
  }

  /** What a request is for the policy, and who serves it (null: the default exec). */
  private plan(start: SessionStart): { action: PolicyAction; handler: ChannelHandler | null } {
    if (start.type === 'subsystem') return { action: subsystemAction(start.name), handler: subsystemHandler(this.#d.extensions, start.name) };
    if (this.#d.via === 'web') return { action: 'web', handler: null };
    if (start.type === 'shell') return { action: 'shell', handler: null };
    for (const intercept of this.#d.extensions.execInterceptors) {
      const taken = intercept(start.command);
      if (taken) return taken;
    }
    return { action: 'exec', handler: null };
  }

  /** A session in `target`: policy (switches, scope, RBAC), exec or extension, audit, reaping. */
  private async runTarget(start: SessionStart, ch: SessionChannel, target: TargetSpec): Promise<HandlerOutcome> {
    const { userCtx } = this.#d;
    const log = userCtx.logger;
    const command = start.type === 'exec' ? start.command : null;
    const { action, handler } = this.plan(start);
    const refused = decisionError(mayDo(userCtx.user, action));
    if (refused) {
      await this.deny(ch, scpHint(refused, command), command, target, action);
      return { exitCode: 255 };
    }
    if (start.type === 'subsystem' && handler === null) {
      await this.deny(ch, new PodgateError('UNSUPPORTED', `no subsystem "${start.name}"`), command, target, action);
      return { exitCode: 255 };
    }
    let resolved: ResolvedTarget;
    // The target's cluster (docs/clusters.md): the picker's Enter may name another than the connection's.
    let clusterCtx = userCtx;
    try {
      ({ ctx: clusterCtx, target: resolved } = await authorizeInCluster(userCtx, action, target));
    } catch (e) {
      await this.deny(ch, toPodgateError(e), command, target, action);
      return { exitCode: 255 };
    }
    // The client left, or a shutdown/timeout ended the session, while the target resolved.
    if (this.#closed || this.#endReason) return { exitCode: null };
    // `sessions.resume: auto`: a login shell with a PTY resumes the newest detached session.
    const wantsResume = start.type === 'shell' && handler === null && this.#pty !== null && userCtx.config.sessions.resume === 'auto';
    const liveTarget = { ...resolved, cluster: clusterCtx.cluster };
    const resumable = wantsResume ? userCtx.liveSessions?.newestDetached(userCtx.user.name, liveTarget) : undefined;
    if (resumable && this.#pty) {
      const exitCode = await resumeChannel(ch, resumable, this.#pty, { log, connId: userCtx.connId, user: userCtx.user.name, via: 'resume' }, (h) => {
        this.#handle = h;
        if (this.#closed) h.detach();
      });
      return { exitCode };
    }
    // None here: one detached on another replica (docs/replicas.md); a failure there starts a new shell.
    if (wantsResume && userCtx.replicas) {
      const remote = await resumeElsewhere(ch, {
        user: userCtx.user, logger: log, pty: this.#pty, onResize: (l) => this.#resizeListeners.push(l), closed: this.#gone.signal,
      }, userCtx.replicas, { connId: userCtx.connId, target: liveTarget, defaultCluster: userCtx.clusters.defaultCluster.name });
      if (remote) return remote;
      if (this.#closed || this.#endReason) return { exitCode: null };
    }
    const ctx = this.sessionContext(resolved, clusterCtx);
    const started = performance.now();
    const auditBase = {
      connId: log.bindings()['connId'], sessionId: this.sessionId, user: userCtx.user.name, identity: userCtx.identity, action,
      cluster: clusterCtx.cluster, namespace: resolved.namespace, pod: resolved.pod, container: resolved.container,
      command: start.type === 'subsystem' ? `subsystem:${start.name}` : command, pty: this.#pty !== null,
      ...(this.#d.via ? { via: this.#d.via } : {}),
    };
    const reapTarget = { cluster: clusterCtx.cluster, namespace: resolved.namespace, pod: resolved.pod, container: resolved.container, identity: userCtx.identity };
    if (this.#d.reaper) await this.#d.reaper.track(reapTarget, this.sessionId, userCtx.user.name).catch((e: unknown) => log.warn({ sessionId: this.sessionId, err: String(e) }, 'reaper track failed'));
    // Gone while the journal was written: nothing was started in the pod, so nothing to reap.
    if (this.#closed || this.#endReason) {
      await this.#d.reaper?.untrack(this.sessionId).catch(() => undefined);
      return { exitCode: null };
    }
    emit(log, { code: 'SESSION_START', ...auditBase }, 'session start');
    // Processes a dropped connection of this user left lingering here: this connection has them now.
    const where = { cluster: clusterCtx.cluster, namespace: resolved.namespace, pod: resolved.pod, container: resolved.container };
    userCtx.lingering?.adopt(userCtx.user.name, where, userCtx.connId, this.sessionId);
    // And what lingers for this user there on other replicas (docs/replicas.md), beside the session.
    if (userCtx.replicas && userCtx.lingering && this.#d.reaper && userCtx.config.sessions.detachGraceSeconds > 0) {
      void adoptElsewhere(userCtx.replicas, this.#d.reaper, userCtx.lingering, {
        connId: userCtx.connId, sessionId: this.sessionId, user: userCtx.user.name, identity: userCtx.identity, target: where,
        defaultCluster: userCtx.clusters.defaultCluster.name, graceSeconds: userCtx.config.sessions.detachGraceSeconds, logger: log, closed: this.#gone.signal,
      });
    }
    this.#timers.start();

    let result: HandlerOutcome = { exitCode: null };
    try {
      result = handler ? await handler(ch, ctx) : await this.runExec(ch, ctx, command);
      this.#endReason ??= 'exit';
    } catch (e) {
      const err = toPodgateError(e);
      this.#endReason ??= 'error';
      emit(log, { code: 'SESSION_ERROR', sessionId: this.sessionId, errorCode: err.code, message: err.operatorMessage }, 'session error');
      await finishChannel(ch, 255, this.line(err.userMessage));
      result = { exitCode: 255 };
    }
    this.#timers.stop();
    emit(log, {
      code: 'SESSION_END', ...auditBase, exitCode: result.exitCode, bytesIn: result.bytesIn ?? 0, bytesOut: result.bytesOut ?? 0,
      durationMs: Math.round(performance.now() - started), reason: this.#endReason,
    }, 'session end');
    // A non-PTY session whose client went away: its processes linger for the grace (IDE servers).
    const grace = userCtx.config.sessions.detachGraceSeconds;
    if (userCtx.lingering && this.#d.reaper && grace > 0 && this.#pty === null && this.endedBy() === 'client-closed' && (action === 'exec' || action === 'shell')) {
      userCtx.lingering.linger({ sessionId: this.sessionId, user: userCtx.user.name, target: where, reap: (why) => this.reap(reapTarget, log, why) }, grace);
    } else {
      await this.reap(reapTarget, log);
    }
    return result;
  }

  /** Why the session ended (a method: the field changes across awaits). */
  private endedBy(): EndReason | null {
    return this.#endReason;
  }

  /** One `podgate: ...` line; CRLF under a PTY (the client's terminal is in raw mode). */
  private line(message: string): string {
    return `podgate: ${message}${this.#pty ? '\r\n' : '\n'}`;
  }

  private async runExec(ch: SessionChannel, ctx: SessionContext, command: string | null): Promise<HandlerOutcome> {
    const tty = this.#pty !== null;
    const ref = { cluster: ctx.target.cluster ?? ctx.cluster, namespace: ctx.target.namespace, pod: ctx.target.pod, container: ctx.target.container };
    // A channel that closed while the exec was being opened gives the open up (the reap that
    // follows ends anything the API server started meanwhile).
    const exec = await ctx.kube.exec({
      ...ref, command: ctx.argv(command, tty), identity: ctx.identity, stdin: true, tty, signal: this.#gone.signal,
      ...(this.#pty ? { size: { cols: this.#pty.cols, rows: this.#pty.rows } } : {}),
    }).catch((e: unknown) => {
      if (this.#closed || this.#endReason) return null;
      const err = toPodgateError(e);
      throw noShellError({ error: err }, ref) ?? err;
    });
    if (exec === null) return { exitCode: null };
    this.#exec = exec;
    if (this.#closed || this.#endReason) exec.abort();
    const registry = this.#d.userCtx.liveSessions;
    const live = this.#pty !== null && registry !== undefined;
    // A PTY session's output path is LiveSession.deliverOutput (src/sessions/live-session.ts): the
    // recording observes it through bridgeLive's `tap` (output, input and resize of every client).
    const rec = this.startRecording(ctx, command);
    const tap = rec ? { output: (d: Buffer) => rec.output(d), input: (d: Buffer) => rec.input(d), resize: (s: WindowSize) => rec.resize(s.cols, s.rows) } : undefined;
    if (rec && !live) {
      exec.stdout.on('data', (d: Buffer) => rec.output(d));
      ch.on('data', (d: Buffer) => rec.input(d));
      ctx.onResize((s) => rec.resize(s.cols, s.rows));
    }
    const { outcome, bytesIn, bytesOut } = live && this.#pty && registry
      ? await bridgeLive({
        ...(tap ? { tap } : {}),
        ch, exec, id: this.sessionId, owner: ctx.user.name, target: ref, size: { cols: this.#pty.cols, rows: this.#pty.rows },
        config: ctx.config.sessions, registry, log: ctx.logger, onActivity: () => this.#timers.activity(),
        onLive: (l) => { this.#live = l; },
        onHandle: (h) => {
          this.#handle = h;
          if (this.#closed) h.detach();
        },
        onAbandoned: (why) => {
          this.#endReason ??= why;
          this.#timers.stop();
        },
      })
      : await bridgeExec(ch, exec, { onActivity: () => this.#timers.activity() });
    this.#exec = null;
    void rec?.close();
    if ('error' in outcome) {
      if (this.#endReason && this.#endReason !== 'exit') return { exitCode: null, bytesIn, bytesOut };
      throw noShellError(outcome, ref) ?? outcome.error;
    }
    await finishChannel(ch, outcome.exitCode);
    return { exitCode: outcome.exitCode, bytesIn, bytesOut };
  }

  /** A PTY session's recording (src/recordings), when `recordings.dir` is set. */
  private startRecording(ctx: SessionContext, command: string | null): SessionRecording | null {
    const pty = this.#pty;
    if (!pty || !this.#d.extensions.recorder) return null;
    const { target: t, user, identity, config, logger } = ctx;
    return this.#d.extensions.recorder.start({
      sessionId: this.sessionId, user: user.name, identity, namespace: t.namespace, pod: t.pod, container: t.container, command,
      cols: pty.cols, rows: pty.rows, term: pty.term, config: config.recordings, logger,
    });
  }

  private async runConsole(ch: SessionChannel, command: string | null): Promise<void> {
    const { userCtx, extensions } = this.#d;
    if (!extensions.console) {
      return this.deny(ch, new PodgateError('UNSUPPORTED', 'no target given; use USER+POD'), command);
    }
    const refused = decisionError(mayDo(userCtx.user, 'console'));
    if (refused) return this.deny(ch, refused, command, null, 'console');
    try {
      await extensions.console(ch, {
        ...userCtx, sessionId: this.sessionId, command, pty: this.#pty, onResize: (l) => this.#resizeListeners.push(l),
        // The picker's Enter: a login shell in the chosen pod on this same channel.
        enter: (spec) => this.runTarget({ type: 'shell' }, ch, spec),
        closed: this.#gone.signal,
      });
    } catch (e) {
      await finishChannel(ch, 255, this.line(toPodgateError(e).userMessage));
    }
  }

  private sessionContext(target: ResolvedTarget, userCtx: UserContext): SessionContext {
    const { reaper } = this.#d;
    return {
      ...userCtx, sessionId: this.sessionId, target, reaper, pty: this.#pty,
      onResize: (l) => this.#resizeListeners.push(l), closed: this.#gone.signal,
      argv: (command, tty) => {
        const env: Record<string, string> = Object.fromEntries(this.#env);
        if (tty && this.#pty?.term) env['TERM'] = this.#pty.term;
        return withEnv(env, sessionArgv(command, tty, reaper, this.sessionId));
      },
      helperArgv: (script) => sessionArgv(script, false, reaper, this.sessionId),
    };
  }

  private async deny(ch: SessionChannel, err: PodgateError, command: string | null, target: TargetSpec | null = this.#d.target, action: PolicyAction | null = null): Promise<void> {
    const { userCtx } = this.#d;
    emit(userCtx.logger, {
      code: 'SESSION_DENIED', connId: userCtx.logger.bindings()['connId'], user: userCtx.user.name, action,
      target: target?.raw ?? this.#d.targetError?.message ?? null, command, errorCode: err.code, message: err.operatorMessage,
      ...(this.#d.via ? { via: this.#d.via } : {}),
    }, 'session denied');
    await finishChannel(ch, 255, this.line(err.userMessage));
  }

  private async reap(target: Parameters<SessionReaper['reap']>[0], log: UserContext['logger'], reason?: string): Promise<void> {
    const reaper = this.#d.reaper;
    if (!reaper) return;
    try {
      // The reaper audits the REAP event itself.
      const report = await reaper.reap(target, this.sessionId, reason ?? this.#endReason ?? 'exit');
      if (report.outcome !== 'failed') await reaper.untrack(this.sessionId);
    } catch (e) {
      log.warn({ sessionId: this.sessionId, err: String(e) }, 'reap threw');
    }
  }
}

/** A command that starts like scp but is not the exact legacy scp argv: say what is accepted. */
function scpHint(err: PodgateError, command: string | null): PodgateError {
  if (command === null || !/^\s*scp\s/.test(command) || err.code !== 'POLICY_DENIED') return err;
  return new PodgateError(err.code, `${err.userMessage}; legacy scp is accepted only as "scp [-v] [-r] [-p] [-d] -t|-f [--] PATH" with one path`, { operatorMessage: err.operatorMessage });
}
