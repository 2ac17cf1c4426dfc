/**
 * Seed and run count for property tests and fuzzers, so every failure can be replayed:
 * FUZZ_SEED (integer) and FUZZ_RUNS override the defaults; the values used are always printed.
 * Replay a failing property with the printed seed (fast-check also prints the shrunk path).
 */
export interface FuzzParams {
  seed: number;
  numRuns: number;
}

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, not ${JSON.stringify(raw)}`);
  return n;
}

/** `label` names the property in the printed line; `defaultRuns` keeps the default run short. */
export function fuzzParams(label: string, defaultRuns: number): FuzzParams {
  const seed = envInt('FUZZ_SEED') ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const numRuns = envInt('FUZZ_RUNS') ?? defaultRuns;
  // stderr, not the test reporter: visible in CI logs even when the test passes.
  process.stderr.write(`[fuzz] ${label}: numRuns=${numRuns} seed=${seed} (replay: FUZZ_SEED=${seed} FUZZ_RUNS=${numRuns})\n`);
  return { seed, numRuns };
}

/** A deterministic PRNG (mulberry32) for fuzzers that generate inputs by hand. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
