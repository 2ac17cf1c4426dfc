/**
 * The door before authentication. Every connection (TCP, or nested over a jump channel) is a
 * contender for an unauthenticated slot: at most `maxUnauthenticated` handshakes run at once,
 * and at most `maxUnauthenticatedPerSource` from one address. Instead of resetting the excess,
 * as sshd's MaxStartups does, podgate accepts the TCP connection and holds it, silent (no
 * banner, socket paused, so its bytes stay in the kernel), in a bounded queue until a slot
 * frees: a NAT address or a CI runner opening dozens of logins at once is served in turn.
 *
 * - The queue is fair between sources (round robin) and bounded: `maxQueuedPerSource`, and
 *   `maxQueued` in all with random early drop from half full (MaxStartups start:rate:full).
 * - When every slot is taken, a newcomer from a source holding fewer slots pre-empts the
 *   oldest handshake of the source holding the most (older than PREEMPT_MIN_AGE_MS): a few
 *   addresses holding idle connections cannot keep everyone else out.
 * - A penalised source (src/ssh/penalties.ts) is refused at the door.
 * Every refusal and pre-emption is audited (CONNECTION_REFUSED / CONNECTION_CLOSED + reason).
 */
import type { Logger } from 'pino';
import type { Penalties } from './penalties.ts';
import { emit } from '../events/emit.ts';

/** A pre-authentication handshake younger than this is never pre-empted (an honest one is busy). */
export const PREEMPT_MIN_AGE_MS = 1000;

export interface GateLimits {
  maxUnauthenticated: number;
  maxUnauthenticatedPerSource: number;
  maxQueued: number;
  maxQueuedPerSource: number;
}

/** One connection at the door. The gate calls exactly one of start/close, or neither if released first. */
export interface Contender {
  readonly connId: string;
  readonly source: string;
  /** A slot is granted: begin the SSH handshake. */
  start(): void;
  /** Closed by the gate (refused, pre-empted); the gate has audited why. */
  close(reason: string): void;
}

export interface PreauthGate {
  /** A new connection: start it, queue it, or refuse it. */
  admit(c: Contender): void;
  /** The contender authenticated or went away: frees its slot or queue place (idempotent). */
  release(c: Contender): void;
  /** Unauthenticated handshakes running, and connections queued. */
  counts(): { running: number; queued: number };
}

export function createPreauthGate(limits: GateLimits, penalties: Penalties, log: Logger, random: () => number = Math.random): PreauthGate {
  const running = new Map<string, Map<Contender, number>>(); // source → contender → start time
  let runningTotal = 0;
  const queues = new Map<string, Contender[]>(); // insertion order = round-robin order
  let queuedTotal = 0;

  const count = (source: string): number => running.get(source)?.size ?? 0;

  const refuse = (c: Contender, reason: string, extra: Record<string, unknown> = {}): void => {
    emit(log, { code: 'CONNECTION_REFUSED', connId: c.connId, remoteAddress: c.source, reason, ...extra }, `connection refused: ${reason}`);
    c.close(reason);
  };

  const begin = (c: Contender): void => {
    let m = running.get(c.source);
    if (!m) running.set(c.source, (m = new Map<Contender, number>()));
    m.set(c, Date.now());
    runningTotal++;
    c.start();
  };

  /** The oldest handshake of the source holding the most slots, if that is more than `mine`. */
  const victimFor = (mine: number): Contender | null => {
    let best: Contender | null = null;
    let bestCount = mine + 1;
    let bestAge = -1;
    const now = Date.now();
    for (const m of running.values()) {
      if (m.size < bestCount) continue;
      for (const [c, at] of m) {
        const age = now - at;
        if (age < PREEMPT_MIN_AGE_MS) continue;
        if (m.size > bestCount || age > bestAge) {
          best = c;
          bestCount = m.size;
          bestAge = age;
        }
        break; // Map order = start order: the first old-enough entry is this source's oldest
      }
    }
    return best;
  };

  const dropFromRunning = (c: Contender): boolean => {
    const m = running.get(c.source);
    if (!m?.delete(c)) return false;
    if (m.size === 0) running.delete(c.source);
    runningTotal--;
    return true;
  };

  const dropFromQueue = (c: Contender): boolean => {
    const q = queues.get(c.source);
    const i = q ? q.indexOf(c) : -1;
    if (i < 0) return false;
    q!.splice(i, 1);
    if (q!.length === 0) queues.delete(c.source);
    queuedTotal--;
    return true;
  };

  const preempt = (victim: Contender, by: Contender): void => {
    dropFromRunning(victim);
    emit(log, { code: 'CONNECTION_CLOSED', connId: victim.connId, remoteAddress: victim.source, reason: 'unauthenticated-preempted', by: by.source },
      'unauthenticated connection pre-empted by a source holding fewer');
    victim.close('unauthenticated-preempted');
  };

  /**
   * While every slot is taken and someone waits, a waiting source that holds fewer slots than
   * the heaviest takes one of its handshakes once that is old enough (checked every half age).
   */
  let rebalancing: NodeJS.Timeout | null = null;
  const rebalance = (): void => {
    rebalancing = null;
    for (const [source, q] of queues) {
      if (runningTotal < limits.maxUnauthenticated) break;
      const mine = count(source);
      if (mine >= limits.maxUnauthenticatedPerSource) continue;
      const victim = victimFor(mine);
      if (!victim) continue;
      const next = q.shift()!;
      queuedTotal--;
      if (q.length === 0) queues.delete(source);
      const wait = penalties.refusedFor(source);
      if (wait > 0) {
        refuse(next, 'penalty', { retryAfterSeconds: wait });
        continue;
      }
      preempt(victim, next);
      begin(next);
    }
    pump();
    scheduleRebalance();
  };
  const scheduleRebalance = (): void => {
    if (rebalancing || queuedTotal === 0 || runningTotal < limits.maxUnauthenticated) return;
    rebalancing = setTimeout(rebalance, PREEMPT_MIN_AGE_MS / 2);
    rebalancing.unref();
  };

  /** Starts queued contenders while slots are free, one source at a time in turn. */
  const pump = (): void => {
    while (runningTotal < limits.maxUnauthenticated && queuedTotal > 0) {
      let next: Contender | null = null;
      for (const [source, q] of queues) {
        if (count(source) >= limits.maxUnauthenticatedPerSource) continue;
        next = q.shift()!;
        queuedTotal--;
        queues.delete(source);
        if (q.length > 0) queues.set(source, q); // to the back of the round
        break;
      }
      if (!next) return;
      const wait = penalties.refusedFor(next.source);
      if (wait > 0) refuse(next, 'penalty', { retryAfterSeconds: wait });
      else begin(next);
    }
  };

  return {
    admit(c) {
      const wait = penalties.refusedFor(c.source);
      if (wait > 0) return refuse(c, 'penalty', { retryAfterSeconds: wait });
      const mine = count(c.source);
      const queuedHere = queues.get(c.source)?.length ?? 0;
      if (mine < limits.maxUnauthenticatedPerSource && queuedHere === 0) {
        if (runningTotal < limits.maxUnauthenticated) return begin(c);
        const victim = victimFor(mine);
        if (victim) {
          preempt(victim, c);
          return begin(c);
        }
      }
      if (queuedHere >= limits.maxQueuedPerSource) return refuse(c, 'queue-full-per-source');
      if (queuedTotal >= limits.maxQueued) return refuse(c, 'queue-full');
      const dropFrom = Math.floor(limits.maxQueued / 2);
      if (queuedTotal >= dropFrom && random() < (queuedTotal - dropFrom + 1) / (limits.maxQueued - dropFrom + 1)) {
        return refuse(c, 'random-early-drop', { queued: queuedTotal });
      }
      const q = queues.get(c.source);
      if (q) q.push(c);
      else queues.set(c.source, [c]);
      queuedTotal++;
      scheduleRebalance();
      emit(log, { code: 'CONNECTION_QUEUED', connId: c.connId, remoteAddress: c.source, queued: queuedTotal }, 'waiting for an unauthenticated slot');
    },
    release(c) {
      if (dropFromRunning(c)) pump();
      else dropFromQueue(c);
    },
    counts: () => ({ running: runningTotal, queued: queuedTotal }),
  };
}
