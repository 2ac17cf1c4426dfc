import type { TerminateReason } from '../events/end-reasons.ts';

/**
 * The sessions currently running in this process, so shutdown can tell every user and then end
 * every session the same clean way as a disconnect.
 */
export interface ActiveSession {
  readonly sessionId: string;
  /** The podgate user it runs for (a reload ends a removed user's sessions). */
  readonly userName?: string;
  /** The SSH connection it belongs to (access that expires ends one login's sessions). */
  readonly connId?: string;
  /** Writes one line to the user's terminal (stderr). */
  notify(message: string): void;
  /** Ends the session now (reason for the audit), reaping what it started; `message`: the line the user sees instead of the reason's own. */
  terminate(reason: TerminateReason, message?: string): void;
  /** Settles when the session's end (including its reap) is done. */
  readonly finished: Promise<void>;
}

export class ActiveSessions {
  readonly #sessions = new Set<ActiveSession>();

  add(s: ActiveSession): void {
    this.#sessions.add(s);
    void s.finished.finally(() => this.#sessions.delete(s));
  }

  get size(): number {
    return this.#sessions.size;
  }

  notifyAll(message: string): void {
    for (const s of this.#sessions) s.notify(message);
  }

  terminateAll(reason: 'shutdown'): void {
    for (const s of this.#sessions) s.terminate(reason);
  }

  /** Ends the sessions `which` selects, and resolves once they finished (or after `timeoutMs`). */
  /** How many running sessions `which` selects. */
  count(which: (s: ActiveSession) => boolean): number {
    return [...this.#sessions].filter(which).length;
  }

  async terminateWhere(which: (s: ActiveSession) => boolean, reason: TerminateReason, timeoutMs: number, message?: string): Promise<void> {
    const chosen = [...this.#sessions].filter(which);
    for (const s of chosen) s.terminate(reason, message);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(chosen.map((s) => s.finished)),
      new Promise((r) => { timer = setTimeout(r, timeoutMs); }),
    ]);
    clearTimeout(timer);
  }

  /** Resolves when every session now running has finished (or after `timeoutMs`). */
  async drained(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#sessions].map((s) => s.finished)),
      new Promise((r) => { timer = setTimeout(r, timeoutMs); }),
    ]);
    clearTimeout(timer);
  }
}
