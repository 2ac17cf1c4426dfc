/**
 * Processes of non-PTY sessions that outlive a dropped connection (IDE servers started in the
 * background by an install script). With `sessions.detachGraceSeconds` > 0, a non-PTY session
 * whose client went away is not reaped at once: its processes linger for the grace, and the
 * same user's next session in that container adopts them for its connection, so they are not
 * reaped while somebody is back. When that connection closes they linger again; when a grace
 * runs out with nobody back they are reaped exactly as a session's processes always are. The
 * reaper's journal keeps them until then, so a crash still reaps them on the next start.
 * Across replicas, lingering processes are published and another replica can take them over
 * (`handOver` here, `hold` there; src/replicas/adopt-remote.ts).
 */
import type { Logger } from 'pino';
import { emit } from '../events/emit.ts';
import type { LiveTarget } from './types.ts';

export interface LingerEntry {
  sessionId: string;
  user: string;
  target: LiveTarget;
  /** Ends the processes (reaper.reap + untrack); never rejects. */
  reap(reason: string): Promise<void>;
}

interface Held {
  entry: LingerEntry;
  /** Lingering until this timer fires, or adopted by this connection. */
  timer: NodeJS.Timeout | null;
  connId: string | null;
  graceMs: number;
}

/** Who hears that processes linger (adoptable) and that they stopped lingering (sessions across replicas: src/replicas). */
export interface LingerObserver {
  lingering(entry: LingerEntry, graceSeconds: number): void;
  /** Adopted here, handed over, or reaped. */
  settled(sessionId: string): void;
}

const keyOf = (user: string, t: LiveTarget): string => JSON.stringify([user, t.cluster, t.namespace, t.pod, t.container]);

export class LingerPool {
  readonly #held = new Map<string, Held>();
  readonly #log: Logger;
  readonly #observers: LingerObserver[] = [];
  #closed = false;

  constructor(log: Logger) {
    this.#log = log;
  }

  observe(o: LingerObserver): void {
    this.#observers.push(o);
  }

  /** The session's client went away: its processes linger for `graceSeconds`. */
  linger(entry: LingerEntry, graceSeconds: number): void {
    if (this.#closed) {
      void entry.reap('shutdown');
      return;
    }
    const h: Held = { entry, timer: null, connId: null, graceMs: graceSeconds * 1000 };
    this.#held.set(entry.sessionId, h);
    this.arm(h);
    emit(this.#log, {
      code: 'SESSION_LINGER', sessionId: entry.sessionId, user: entry.user, ...entry.target, graceSeconds,
    }, 'processes linger');
  }

  /** A session of `user` in `target` started on connection `connId`: it adopts what lingers there. */
  adopt(user: string, target: LiveTarget, connId: string, sessionId: string): void {
    const key = keyOf(user, target);
    const adopted: string[] = [];
    for (const h of this.#held.values()) {
      if (h.timer === null || keyOf(h.entry.user, h.entry.target) !== key) continue;
      clearTimeout(h.timer);
      h.timer = null;
      h.connId = connId;
      adopted.push(h.entry.sessionId);
      for (const o of this.#observers) o.settled(h.entry.sessionId);
    }
    if (adopted.length === 0) return;
    emit(this.#log, { code: 'PROCESSES_ADOPTED', connId, sessionId, adopted, user, ...target }, 'lingering processes adopted');
  }

  /** Connection `connId` closed: what it adopted lingers again, for a full grace. */
  release(connId: string): void {
    for (const h of this.#held.values()) {
      if (h.connId !== connId) continue;
      h.connId = null;
      this.arm(h);
    }
  }

  /**
   * Another replica adopts `sessionId`'s lingering processes (src/replicas): they leave this
   * pool without being reaped. Null unless they linger here (not adopted) and are `user`'s.
   */
  handOver(sessionId: string, user: string): { entry: LingerEntry; graceSeconds: number } | null {
    const h = this.#held.get(sessionId);
    if (!h || h.timer === null || h.entry.user !== user) return null;
    clearTimeout(h.timer);
    this.#held.delete(sessionId);
    for (const o of this.#observers) o.settled(sessionId);
    return { entry: h.entry, graceSeconds: h.graceMs / 1000 };
  }

  /**
   * Processes handed over from another replica: held for connection `connId` as if adopted
   * here (`connId` null: the connection is gone already, so they linger).
   */
  hold(entry: LingerEntry, connId: string | null, graceSeconds: number): void {
    if (this.#closed) {
      void entry.reap('shutdown');
      return;
    }
    const h: Held = { entry, timer: null, connId, graceMs: graceSeconds * 1000 };
    this.#held.set(entry.sessionId, h);
    if (connId === null) this.arm(h);
  }

  /** Shutdown: reaps everything held, lingering or adopted, and refuses to hold more. */
  async reapAll(): Promise<void> {
    this.#closed = true;
    const all = [...this.#held.values()];
    this.#held.clear();
    for (const h of all) for (const o of this.#observers) o.settled(h.entry.sessionId);
    for (const h of all) if (h.timer) clearTimeout(h.timer);
    await Promise.all(all.map((h) => h.entry.reap('shutdown')));
  }

  private arm(h: Held): void {
    for (const o of this.#observers) o.lingering(h.entry, h.graceMs / 1000);
    h.timer = setTimeout(() => {
      if (this.#held.get(h.entry.sessionId) !== h) return;
      this.#held.delete(h.entry.sessionId);
      for (const o of this.#observers) o.settled(h.entry.sessionId);
      const e = h.entry;
      emit(this.#log, { code: 'SESSION_GRACE_EXPIRED', sessionId: e.sessionId, user: e.user, ...e.target, kind: 'linger' }, 'lingering processes expired');
      void e.reap('detach-expired');
    }, h.graceMs);
    h.timer.unref();
  }
}
