import type { TerminateReason } from '../events/end-reasons.ts';

/**
 * Idle timeout (no byte either way for N s) and maximum session time, from the config's
 * limits (0 = off). Calls `expire` once with why.
 */
export class SessionTimers {
  #idle: NodeJS.Timeout | null = null;
  #max: NodeJS.Timeout | null = null;
  #last = 0;
  #stopped = false;

  constructor(
    private readonly idleSeconds: number,
    private readonly maxSeconds: number,
    private readonly expire: (why: Extract<TerminateReason, 'idle-timeout' | 'max-time'>) => void,
  ) {}

  start(): void {
    if (this.#stopped) return;
    this.#last = Date.now();
    if (this.maxSeconds > 0) {
      this.#max = setTimeout(() => this.fire('max-time'), this.maxSeconds * 1000);
      this.#max.unref();
    }
    if (this.idleSeconds > 0) this.armIdle(this.idleSeconds * 1000);
  }

  /** A byte went through. Cheap: only records the time. */
  activity(): void {
    this.#last = Date.now();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#idle) clearTimeout(this.#idle);
    if (this.#max) clearTimeout(this.#max);
    this.#idle = this.#max = null;
  }

  private armIdle(ms: number): void {
    this.#idle = setTimeout(() => {
      const quiet = Date.now() - this.#last;
      const limit = this.idleSeconds * 1000;
      if (quiet >= limit) this.fire('idle-timeout');
      else this.armIdle(limit - quiet);
    }, ms);
    this.#idle.unref();
  }

  private fire(why: Extract<TerminateReason, 'idle-timeout' | 'max-time'>): void {
    if (this.#stopped) return;
    this.stop();
    this.expire(why);
  }
}
