/**
 * Audits refusals by a memory-budget limit (`limits.*`) as `LIMIT_REFUSED` events. A flood of
 * refused requests must not become a flood of log lines: the first refusal of each limit in a
 * scope (a connection, a session) is logged at once, later ones are counted and reported in one
 * more event when the scope ends (`flush()`).
 */
import type { Logger } from 'pino';
import { emit } from '../events/emit.ts';

export class LimitRefusals {
  readonly #log: Logger;
  readonly #fields: Record<string, unknown>;
  readonly #counts = new Map<string, number>();

  constructor(log: Logger, fields: Record<string, unknown>) {
    this.#log = log;
    this.#fields = fields;
  }

  /** Records one refusal by `limit` (its config key, e.g. `maxEnvPerSession`). */
  refuse(limit: string, value: number, detail?: Record<string, unknown>): void {
    const n = (this.#counts.get(limit) ?? 0) + 1;
    this.#counts.set(limit, n);
    if (n === 1) emit(this.#log, { code: 'LIMIT_REFUSED', ...this.#fields, limit, value, refused: 1, ...detail }, `refused: over limits.${limit}`);
  }

  /** Total refusals of `limit` so far. */
  count(limit: string): number {
    return this.#counts.get(limit) ?? 0;
  }

  /** Reports the refusals not yet logged, one event per limit. */
  flush(): void {
    for (const [limit, n] of this.#counts) {
      if (n > 1) emit(this.#log, { code: 'LIMIT_REFUSED', ...this.#fields, limit, refused: n }, `refused ${n} times: over limits.${limit}`);
    }
    this.#counts.clear();
  }
}
