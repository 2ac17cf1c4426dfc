/**
 * The live PTY sessions of this podgate process, by id and by user: what `sessions` lists,
 * `attach`/`watch` find and `resume: auto` picks from. A relay from another replica looks
 * sessions up here too (`find`, `list`) and attaches to them through the same views.
 */
import type { LiveSessionView, LiveTarget } from './types.ts';

/** Shortest id prefix `attach` accepts for one of the user's own sessions. */
const MIN_PREFIX = 6;

/** Who hears that a session started, detached, was attached again, or ended (sessions across replicas: src/replicas). */
export interface RegistryObserver {
  /** A new session; its first client is attaching. */
  added(s: LiveSessionView): void;
  detached(s: LiveSessionView): void;
  attached(s: LiveSessionView): void;
  removed(s: LiveSessionView): void;
}

export class SessionRegistry {
  readonly #byId = new Map<string, LiveSessionView>();
  readonly #observers: RegistryObserver[] = [];

  add(s: LiveSessionView): void {
    this.#byId.set(s.id, s);
    for (const o of this.#observers) o.added(s);
  }

  remove(id: string): void {
    const s = this.#byId.get(id);
    this.#byId.delete(id);
    if (s) for (const o of this.#observers) o.removed(s);
  }

  observe(o: RegistryObserver): void {
    this.#observers.push(o);
  }

  /** `s` lost its client and waits, detached, for the grace. */
  detached(s: LiveSessionView): void {
    for (const o of this.#observers) o.detached(s);
  }

  /** `s` has a client again. */
  attached(s: LiveSessionView): void {
    for (const o of this.#observers) o.attached(s);
  }

  /** The session with exactly this id. */
  find(id: string): LiveSessionView | undefined {
    return this.#byId.get(id);
  }

  /** `user`'s sessions, oldest first. */
  list(user: string): LiveSessionView[] {
    return [...this.#byId.values()].filter((s) => s.owner === user).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  }

  /**
   * `ref` as `user` typed it: an exact id, or an unambiguous prefix (6 characters or more) of
   * one of the user's own sessions. Other users' sessions are found by exact id only.
   */
  lookup(ref: string, user: string): LiveSessionView | undefined {
    const exact = this.#byId.get(ref);
    if (exact) return exact;
    if (ref.length < MIN_PREFIX) return undefined;
    const mine = this.list(user).filter((s) => s.id.startsWith(ref));
    return mine.length === 1 ? mine[0] : undefined;
  }

  /** `user`'s most recently detached, resumable session on that container (`resume: auto`). */
  newestDetached(user: string, t: LiveTarget): LiveSessionView | undefined {
    let best: LiveSessionView | undefined;
    for (const s of this.list(user)) {
      if (s.state !== 'detached' || !s.resumable || s.detachedAt === null) continue;
      if (s.target.cluster !== t.cluster || s.target.namespace !== t.namespace || s.target.pod !== t.pod || s.target.container !== t.container) continue;
      if (!best || s.detachedAt.getTime() > best.detachedAt!.getTime()) best = s;
    }
    return best;
  }
}
