/**
 * Client `env` requests (SendEnv/SetEnv): only names on the config's allow-list (exact names,
 * or prefixes ending in `*`, e.g. `LC_*`) and shaped like shell variable names are kept.
 * They reach the container as `env NAME=VALUE ... argv` (an argv array: nothing is parsed by
 * a shell).
 */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function envAllowed(name: string, allow: string[]): boolean {
  if (!NAME.test(name)) return false;
  return allow.some((a) => (a.endsWith('*') ? name.startsWith(a.slice(0, -1)) : name === a));
}

/** Prefixes argv with `env NAME=VALUE...` when there is anything to set. */
export function withEnv(env: Record<string, string>, argv: string[]): string[] {
  const pairs = Object.entries(env).filter(([k, v]) => NAME.test(k) && !v.includes('\0')).map(([k, v]) => `${k}=${v}`);
  return pairs.length === 0 ? argv : ['env', ...pairs, ...argv];
}

/**
 * `limits.maxEnvPerSession` / `maxEnvBytesPerSession`: how many allowed `env` requests one
 * session keeps, and their bytes (name + value) in all. Requests beyond either are refused, so
 * a client cannot grow podgate's memory with thousands of `LC_*` variables.
 */
export class EnvBudget {
  readonly #maxCount: number;
  readonly #maxBytes: number;
  #count = 0;
  #bytes = 0;

  constructor(maxCount: number, maxBytes: number) {
    this.#maxCount = maxCount;
    this.#maxBytes = maxBytes;
  }

  /** Takes room for one variable; null when it fits, else the name of the limit it breaks. */
  take(name: string, value: string): 'maxEnvPerSession' | 'maxEnvBytesPerSession' | null {
    const size = Buffer.byteLength(name) + Buffer.byteLength(value);
    if (this.#count + 1 > this.#maxCount) return 'maxEnvPerSession';
    if (this.#bytes + size > this.#maxBytes) return 'maxEnvBytesPerSession';
    this.#count++;
    this.#bytes += size;
    return null;
  }
}
