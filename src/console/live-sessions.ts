/**
 * The console's `sessions`, `attach ID` and `watch ID` (docs/sessions.md). `attach` is for the
 * session's owner; `watch` for the owner and for users whose policy allows `watch` and who
 * could enter that container themselves (the policy's access review, as the watcher). A user
 * without `allow.watch` learns nothing about other users' session ids.
 */
import { PodgateError, toPodgateError } from '../errors/index.ts';
import { emit } from '../events/emit.ts';
import { decisionError, mayDo } from '../policy/index.ts';
import { authorizeInCluster } from '../clusters/choose.ts';
import type { ConsoleContext, HandlerOutcome } from '../session/extensions.ts';
import { resumeChannel, watchChannel } from '../sessions/join.ts';
import type { AttachHandle, LiveSessionView } from '../sessions/types.ts';
import type { SessionChannel } from '../ssh/types.ts';
import { age, formatTable } from './table.ts';
import { joinElsewhere, remoteSessionRows } from '../replicas/console-remote.ts';

const HEADER = ['ID', 'TARGET', 'STATE', 'STARTED', 'IDLE'];

/** `pod.namespace+container`: the session's container as a TARGET. */
/** The session's target as a user would type it: with `CLUSTER_` outside the default cluster. */
export function targetOf(s: LiveSessionView, defaultCluster: string): string {
  const prefix = s.target.cluster === defaultCluster ? '' : `${s.target.cluster}_`;
  return `${prefix}${s.target.pod}.${s.target.namespace}+${s.target.container}`;
}

export async function sessionsTable(ctx: ConsoleContext, eol: string, now = Date.now()): Promise<string> {
  const rows = (ctx.liveSessions?.list(ctx.user.name) ?? []).map((s) => [
    s.id, targetOf(s, ctx.clusters.defaultCluster.name), s.state, s.startedAt.toISOString().replace(/\.\d+Z$/, 'Z'), age(new Date(s.lastActivity), now),
  ]);
  // Sessions detached on other replicas (docs/replicas.md).
  rows.push(...await remoteSessionRows(ctx, now));
  if (rows.length === 0) return `No live sessions.${eol}`;
  return formatTable(HEADER, rows, eol);
}

type Mode = 'attach' | 'watch';

/** The session `ref` names, if `ctx`'s user may join it this way; else the refusal. */
export async function joinable(ctx: ConsoleContext, ref: string, mode: Mode): Promise<LiveSessionView> {
  const s = ctx.liveSessions?.lookup(ref, ctx.user.name);
  const notFound = new PodgateError('SESSION_NOT_FOUND', `no session "${ref}" of yours on this bastion (ssh ${ctx.user.name}@bastion sessions lists them)`);
  const own = s !== undefined && s.owner === ctx.user.name;
  if (!own && mode === 'watch') {
    // Other users' sessions: the policy switch first, so nobody can probe ids without it.
    const refused = decisionError(mayDo(ctx.user, 'watch'));
    if (refused) throw refused;
  }
  if (!s || (!own && mode === 'attach')) throw notFound;
  if (mode === 'attach' && !s.resumable) {
    throw new PodgateError('SESSION_NOT_RESUMABLE', `session ${s.id} cannot be re-attached (sessions.detachGraceSeconds is 0)`);
  }
  // Entering the container again, as this user: policy scope and RBAC, as for a new shell.
  // In the session's own cluster: the same pod name elsewhere is another container.
  const spec = { kind: 'pod' as const, cluster: s.target.cluster, name: s.target.pod, namespace: s.target.namespace, container: s.target.container, raw: targetOf(s, ctx.clusters.defaultCluster.name) };
  await authorizeInCluster(ctx, own ? 'shell' : 'watch', spec);
  return s;
}

export async function runJoin(ch: SessionChannel, ctx: ConsoleContext, args: string[], mode: Mode): Promise<HandlerOutcome> {
  if (args.length !== 1) throw new PodgateError('UNSUPPORTED', `usage: ${mode} ID`);
  if (!ctx.pty) throw new PodgateError('NEEDS_TTY', `${mode} needs a terminal: ssh -t ${ctx.user.name}@bastion ${mode} ID`);
  let s: LiveSessionView;
  try {
    try {
      s = await joinable(ctx, args[0], mode);
    } catch (e) {
      // Not here: another replica may hold it (docs/replicas.md), after the same checks (a
      // refusal there is the same POLICY_DENIED as here: ids cannot be probed).
      const code = toPodgateError(e).code;
      const notHere = code === 'SESSION_NOT_FOUND' || (code === 'POLICY_DENIED' && ctx.liveSessions?.lookup(args[0], ctx.user.name) === undefined);
      const elsewhere = notHere ? await joinElsewhere(ch, ctx, args[0], mode) : null;
      if (elsewhere) return elsewhere;
      throw e;
    }
  } catch (e) {
    const err = toPodgateError(e);
    emit(ctx.logger, { code: 'SESSION_JOIN_DENIED', connId: ctx.connId, user: ctx.user.name, mode, sessionId: args[0], errorCode: err.code, message: err.operatorMessage }, 'session join refused');
    throw err;
  }
  const onHandle = (h: AttachHandle): void => {
    ctx.onResize((size) => h.resize(size));
    if (ctx.closed.aborted) h.detach();
    else ctx.closed.addEventListener('abort', () => h.detach(), { once: true });
  };
  const size = { cols: ctx.pty.cols, rows: ctx.pty.rows };
  const who = { log: ctx.logger, connId: ctx.connId, user: ctx.user.name };
  const exitCode = mode === 'attach'
    ? await resumeChannel(ch, s, size, { ...who, via: 'attach' }, onHandle)
    : await watchChannel(ch, s, size, who, onHandle);
  return { exitCode };
}
