/**
 * Seeds for the property tests of the parsers: `PODGATE_FC_SEED` replays a run, otherwise a
 * fresh seed is drawn. Each run prints its run count and seed, so any failure (fast-check also
 * prints the seed and counterexample path) can be replayed exactly.
 */
export function propertyRun(name: string, numRuns: number): { seed: number; numRuns: number } {
  const fromEnv = process.env['PODGATE_FC_SEED'];
  const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : (Date.now() ^ (process.pid << 16)) | 0;
  const runs = Number(process.env['PODGATE_FC_RUNS'] ?? numRuns);
  console.log(`fast-check ${name}: numRuns=${runs} seed=${seed} (replay: PODGATE_FC_SEED=${seed})`);
  return { seed, numRuns: runs };
}
