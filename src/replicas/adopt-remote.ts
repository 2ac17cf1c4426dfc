/**
 * Lingering processes across replicas (docs/replicas.md): a new session of a user in a
 * container adopts what that user's dropped non-PTY sessions left lingering on other replicas,
 * as it does locally (src/sessions/linger.ts). A handover, in this order: this replica tracks
 * the processes in its own reaper journal, then asks the holder (relay op `adopt`) to let go of
 * them (it drops them from its pool and journal without reaping), then holds them for this
 * connection with the same linger semantics. Refused or never asked: this replica untracks and
 * the holder keeps them. Asked but unanswered: both keep them (whichever grace ends first reaps
 * them), so they are never in nobody's journal. Runs beside the session, never delaying it.
 */
import type { Logger } from 'pino';
import { emit } from '../events/emit.ts';
import type { Identity } from '../kube/types.ts';
import type { SessionReaper, ReapTarget } from '../session/reaper-types.ts';
import type { LingerPool } from '../sessions/linger.ts';
import type { LiveTarget } from '../sessions/types.ts';
import type { ReplicaHub } from './index.ts';
import { remoteAdopt } from './relay-client.ts';
import { inContainer } from './resume-remote.ts';

export interface AdoptWhere {
  connId: string;
  /** The adopting session. */
  sessionId: string;
  user: string;
  identity: Identity;
  target: LiveTarget;
  defaultCluster: string;
  graceSeconds: number;
  logger: Logger;
  /** Aborted once the adopting session's channel or connection is gone (then they linger at once). */
  closed: AbortSignal;
}

async function reapAndUntrack(reaper: SessionReaper, target: ReapTarget, sessionId: string, why: string, log: Logger): Promise<void> {
  try {
    const report = await reaper.reap(target, sessionId, why);
    if (report.outcome !== 'failed') await reaper.untrack(sessionId);
  } catch (e) {
    log.warn({ sessionId, err: String(e) }, 'reap threw');
  }
}

/** Adopts what lingers for `w.user` in `w.target` on other replicas; never rejects. */
export async function adoptElsewhere(hub: ReplicaHub, reaper: SessionReaper, pool: LingerPool, w: AdoptWhere): Promise<void> {
  let found;
  try {
    found = await hub.leases.listForUser(w.user);
  } catch (err) {
    emit(w.logger, { code: 'REPLICA_LEASE_ERROR', op: 'list', err: (err as Error).message });
    return;
  }
  const adopted: string[] = [];
  for (const f of found) {
    if (f.kind !== 'linger' || f.stale || f.holder === hub.advertise || !inContainer(f, w.target, w.defaultCluster)) continue;
    const reapTarget: ReapTarget = { ...w.target, identity: w.identity };
    const audit = (result: string): void => {
      emit(w.logger, { code: 'REPLICA_LINGER_HANDOVER', side: 'front', peer: f.holder, user: w.user, sessionId: f.id, result });
    };
    try {
      await reaper.track(reapTarget, f.id, w.user);
    } catch (err) {
      audit('INTERNAL');
      w.logger.warn({ sessionId: f.id, err: String(err) }, 'reaper track failed; the holder keeps its processes');
      continue;
    }
    const r = await remoteAdopt(hub.target(f.holder), { op: 'adopt', user: w.user, id: f.id, from: hub.advertise });
    audit(r.outcome === 'ok' ? 'accepted' : r.outcome === 'unknown' ? 'unknown' : r.error.code);
    if (r.outcome === 'refused' || r.outcome === 'unreached') {
      await reaper.untrack(f.id).catch(() => undefined);
      continue;
    }
    pool.hold({ sessionId: f.id, user: w.user, target: w.target, reap: (why) => reapAndUntrack(reaper, reapTarget, f.id, why, w.logger) }, w.closed.aborted ? null : w.connId, w.graceSeconds);
    adopted.push(f.id);
  }
  if (adopted.length > 0) {
    emit(w.logger, { code: 'PROCESSES_ADOPTED', connId: w.connId, sessionId: w.sessionId, adopted, user: w.user, ...w.target }, 'lingering processes adopted from another replica');
  }
}
