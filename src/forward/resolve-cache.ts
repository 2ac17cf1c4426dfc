/**
 * One target resolution (pod lookup + access review for pods/portforward) per SSH connection
 * and target for a short while, so 50 forwarded connections opened at once cost one review,
 * not 50. Failures are not kept; an entry expires after `ttlMs` so revoked rights take effect.
 */
import type { ResolvedTarget } from '../target/resolve.ts';

export class ResolveCache {
  readonly #entries = new Map<string, Promise<ResolvedTarget>>();
  constructor(private readonly ttlMs: number) {}

  get(key: string, resolve: () => Promise<ResolvedTarget>): Promise<ResolvedTarget> {
    const hit = this.#entries.get(key);
    if (hit) return hit;
    const p = resolve();
    this.#entries.set(key, p);
    const drop = (): void => {
      if (this.#entries.get(key) === p) this.#entries.delete(key);
    };
    p.then(() => setTimeout(drop, this.ttlMs).unref(), drop);
    return p;
  }

  get size(): number {
    return this.#entries.size;
  }
}
