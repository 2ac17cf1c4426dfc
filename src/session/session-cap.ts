/**
 * `limits.maxSessionsPerConnection` (sshd's MaxSessions): session channels open at once on one
 * SSH connection. Beyond it the channel open is refused (the client sees `open failed`), so a
 * client cannot make podgate hold an unbounded number of sessions on one connection.
 */
import type { SessionHandler } from '../ssh/types.ts';
import type { LimitRefusals } from './limit-refusal.ts';

export class SessionCap {
  readonly #max: number;
  readonly #refusals: LimitRefusals;
  #open = 0;

  constructor(max: number, refusals: LimitRefusals) {
    this.#max = max;
    this.#refusals = refusals;
  }

  get open(): number { return this.#open; }

  /** Counts the session made by `make` until its channel closes; null when over the limit. */
  admit(make: () => SessionHandler): SessionHandler | null {
    if (this.#open >= this.#max) {
      this.#refusals.refuse('maxSessionsPerConnection', this.#max);
      return null;
    }
    this.#open++;
    const inner = make();
    let counted = true;
    return {
      onEnv: (name, value) => inner.onEnv(name, value),
      onPty: (pty) => inner.onPty(pty),
      onWindowChange: (size) => { inner.onWindowChange(size); },
      canSubsystem: (name) => inner.canSubsystem(name),
      onStart: (start, channel) => { inner.onStart(start, channel); },
      onClose: () => {
        if (counted) { counted = false; this.#open--; }
        inner.onClose();
      },
    };
  }
}
