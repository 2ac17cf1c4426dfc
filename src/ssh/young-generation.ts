/**
 * Keeps V8's young generation at its initial size and the old generation's limit at three
 * times its live size (config `ssh.pinYoungGeneration`).
 *
 * A relay allocates an ArrayBuffer per TLS record it reads from the API server (Node's TLS
 * layer does, 16 KiB each) and per slab of SSH packets: some 3 bytes of ArrayBuffer per byte
 * relayed, all dead within microseconds. V8 frees such buffers in a scavenge (young-generation
 * GC); when ArrayBuffer memory grows 64 MB past the last mark-compact before a scavenge ran,
 * it starts a mark-compact instead ("external memory pressure"). Under a transfer's
 * allocation rate V8 grows the young generation (up to 16 MiB per semi-space), scavenges
 * become rarer than that threshold, and every ~20 MiB relayed costs a full mark-compact of
 * the heap: measured at 8–19 mark-compacts and 0 scavenges per 256 MiB, ~2 CPU-s per GiB.
 * With the young generation kept at its initial size the same transfer runs ~27 scavenges
 * and no mark-compact (docs/performance.md).
 *
 * A second loop keeps a lifetime in that mode once it is in it: after a run of mark-compacts
 * V8 sets the old generation's next limit only ~1.15x its live size (its growing factor falls
 * with the share of time spent in GC), less than its young-generation target, so incremental
 * marking starts again right after each scavenge (seen as `Start (allocation limit)` with 9-13
 * MB of slack, a mark-compact every ~100 ms). `--heap-growing-percent` fixes the factor. At 100
 * (twice the live size) it was still too little: V8 starts marking once the old generation's
 * slack is below its young generation's *maximum* capacity (~34 MB here, whatever the pin), so
 * with podgate's ~40 MB live heap (26 MB of it @kubernetes/client-node) marking began ~5 MB
 * after each mark-compact (`Start (allocation limit)`: 44 MB of a 78 MB limit), and every
 * dozen sessions' leftovers (~0.4 MB each) cost a mark-compact in the middle of a transfer
 * (+0.05 CPU-s, a third more for a 64 MiB one). At 200 (three times) that slack is ~45 MB:
 * no mark-compact in 18 of 18 relay-matrix transfers, where at 100 one fell on the sixth
 * transfer in 7 of 9 lifetimes. Garbage is still bounded (twice the live heap at most), and an idle
 * process collects it (src/health/idle-gc.ts).
 *
 * `--semi-space-growth-factor` and `--heap-growing-percent` are read each time V8 decides to grow the young generation, so
 * setting it from JavaScript takes effect (unlike `--max-semi-space-size`, fixed when the heap
 * is made and only settable on node's command line). It must be set before the process has
 * allocated much, though, as a grown young generation is not shrunk back: bin/podgate.js sets
 * it first thing (before tsx compiles the sources), and so does src/main.ts's first import
 * (young-generation-pin.ts) for the compiled image. `ssh.pinYoungGeneration: false` then lets
 * it grow again (V8's default factor, 2).
 */
import { setFlagsFromString } from 'node:v8';

/** V8's defaults: the young generation doubles; the old one's factor is chosen per GC (0). */
const V8_DEFAULTS = ['--semi-space-growth-factor=2', '--heap-growing-percent=0'];
/** The pin, as V8 flags (also given on the command line of the relay matrix's floor). */
export const PINNED = ['--semi-space-growth-factor=1', '--heap-growing-percent=200'];

/** Stops the young generation from growing (called at process start). */
export function pinYoungGeneration(): void {
  for (const f of PINNED) setFlagsFromString(f);
}

/** Applies config `ssh.pinYoungGeneration` once the config is known. */
export function applyYoungGenerationSetting(pinned: boolean): void {
  for (const f of pinned ? PINNED : V8_DEFAULTS) setFlagsFromString(f);
}
