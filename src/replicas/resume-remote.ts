/**
 * `sessions.resume: auto` across replicas (docs/replicas.md): a login shell with a PTY that
 * lands on a replica without a detached session of its user on that container looks up the
 * user's Leases, picks the newest fresh detached one on the same cluster, namespace, pod and
 * container, and resumes it through the relay as a local resume does (the one line, then the
 * redraw, live I/O, resizes, the exit status). The connection already authorized the target
 * (policy and RBAC as the user); the holder checks the owner and that the session is still
 * detached. A lookup or relay failure never fails the login: the caller starts a new shell, and
 * the reason is logged (REPLICA_RESUME_FALLBACK).
 */
import { toPodgateError } from '../errors/index.ts';
import { emit } from '../events/emit.ts';
import type { LiveTarget } from '../sessions/types.ts';
import type { SessionChannel } from '../ssh/types.ts';
import { carryRemote, openRemote, type JoinContext } from './front.ts';
import type { ReplicaHub } from './index.ts';
import type { RelayStream } from './relay-stream.ts';
import type { FoundSession } from './session-leases.ts';

export interface ResumeWhere {
  connId: string;
  target: LiveTarget;
  /** The default cluster's name: a Lease without a cluster (an older replica's) is in it. */
  defaultCluster: string;
}

/** Whether `f` is in container `t` (a Lease without a cluster is in the default one). */
export function inContainer(f: FoundSession, t: LiveTarget, defaultCluster: string): boolean {
  return (f.cluster ?? defaultCluster) === t.cluster && f.namespace === t.namespace && f.pod === t.pod && f.container === t.container;
}

/** The newest fresh detached session of another replica on exactly `t`, if any (never an attached one). */
export function pickDetached(found: FoundSession[], t: LiveTarget, defaultCluster: string, self: string): FoundSession | undefined {
  let best: FoundSession | undefined;
  for (const f of found) {
    if (f.stale || f.holder === self || f.kind !== 'pty' || f.state !== 'detached' || !f.detachedAt) continue;
    if (!inContainer(f, t, defaultCluster)) continue;
    if (!best || Date.parse(f.detachedAt) > Date.parse(best.detachedAt)) best = f;
  }
  return best;
}

/**
 * Resumes the user's newest detached session on `where.target` held by another replica.
 * Resolves with the channel's exit status, or null when there is none to resume (or it could
 * not be reached: then a new shell is the answer).
 */
export async function resumeElsewhere(ch: SessionChannel, ctx: JoinContext, hub: ReplicaHub, where: ResumeWhere): Promise<{ exitCode: number | null } | null> {
  const user = ctx.user.name;
  const fallback = (why: unknown, f?: FoundSession): null => {
    const e = toPodgateError(why);
    emit(ctx.logger, {
      code: 'REPLICA_RESUME_FALLBACK', connId: where.connId, user, errorCode: e.code, message: e.operatorMessage,
      ...(f ? { sessionId: f.id, holder: f.holder } : {}),
    }, 'resume across replicas failed; a new shell starts');
    return null;
  };
  let f: FoundSession | undefined;
  try {
    f = pickDetached(await hub.leases.listForUser(user), where.target, where.defaultCluster, hub.advertise);
  } catch (err) {
    return fallback(err);
  }
  if (!f) return null;
  let term: RelayStream;
  try {
    term = await openRemote(ctx, hub, f, 'resume');
  } catch (err) {
    return fallback(err, f);
  }
  const since = Math.max(0, Math.round((Date.now() - Date.parse(f.detachedAt)) / 1000));
  ch.stderr.write(`podgate: resumed your session ${f.id}, detached ${since} s ago\r\n`);
  return { exitCode: await carryRemote(ch, ctx, f, term, 'resume') };
}
