/**
 * A full GC when podgate is idle after a burst. With the relay's V8 setting
 * (src/ssh/young-generation.ts: the old generation may double before its next mark-compact),
 * a podgate that goes quiet after a burst (a flood of SFTP data, many sessions ending) runs no
 * major GC at all: nothing allocates, so nothing triggers one, and the ArrayBuffers of dead
 * objects (TLS records, SSH packets, SFTP buffers) stay in RSS indefinitely: measured at
 * +101 MiB of `external` memory a minute after the hostile bench, with 0 sessions left.
 *
 * Only when podgate is quiet: the event loop's utilisation is sampled every `sampleMs` (250 ms), and
 * once it has stayed under `maxUtilization` in every sample for `quietMs` (2 s), and external
 * plus heap memory grew more than `growthBytes` since the lowest point seen, one major GC runs.
 * Before it collects, it looks once more for 100 ms, and only a loop that stayed nearly still
 * (under 2 %) is collected: a transfer that began just before a sample's end barely shows in it.
 * A relay is never interrupted, not even by one that comes and goes: an earlier version judged
 * a whole 10 s interval by its average, and a 1 s transfer in an otherwise quiet interval passed
 * for idle, so a synchronous mark-compact landed in the middle of it (the relay matrix counted
 * one in about every third 256 MiB transfer). An idle process collects at most once per
 * `intervalMs` (10 s), only after growth, and less and less often while what it finds is live.
 *
 * Collecting in the pauses between sessions also takes the work off the next ones: each
 * session leaves some of its buffers in the old generation (promoted while in flight), and
 * once their bytes are 64 MB past the last mark-compact V8 starts one itself ("external
 * memory pressure"), in the middle of whatever transfer runs then; with a quiet time of 2 s the
 * idle collection comes first whenever sessions pause (in the relay matrix, while the floor and
 * kubectl take their turn in each cell).
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => unknown;

export interface IdleGcOptions {
  /** At most one collection per this long (and the unit of the back-off). */
  intervalMs?: number;
  /** How often the event loop's utilisation is sampled. */
  sampleMs?: number;
  /** How long every sample must have been under `maxUtilization` before a collection. */
  quietMs?: number;
  growthBytes?: number;
  maxUtilization?: number;
  /** Called after each collection (tests, metrics). */
  onCollect?: (freedBytes: number) => void;
}

export interface IdleGc {
  /**
   * One major GC now: for the end of startup. Loading podgate leaves tens of MB of garbage
   * (module sources, tsx's compiled output) and V8's old-generation limit set while it grew, so
   * the first collection otherwise falls on the first sessions (in the relay matrix, on the sixth
   * bulk transfer of every process); collected here, the next limit is twice what stays.
   */
  settle(): void;
  stop(): void;
}

/** `gc` without `--expose-gc` on the command line: the flag applies to contexts made after it. */
function exposeGc(): GcFunction | null {
  const existing = (globalThis as { gc?: GcFunction }).gc;
  if (typeof existing === 'function') return existing;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as GcFunction) : null;
  } catch {
    return null;
  }
}

/** The event loop's utilisation over the last short look before a collection: nearly still. */
const CONFIRM_UTILIZATION = 0.02;

const used = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

export function startIdleGc(opts: IdleGcOptions = {}): IdleGc {
  const gc = exposeGc();
  if (!gc) return { settle: () => undefined, stop: () => undefined };
  const growth = opts.growthBytes ?? 32 * 1024 * 1024;
  const maxUtil = opts.maxUtilization ?? 0.2;
  const intervalMs = opts.intervalMs ?? 10_000;
  const quietMs = opts.quietMs ?? 2000;
  let floor = used();
  let elu = performance.eventLoopUtilization();
  let quietSince = performance.now();
  // A collection that freed little (the memory is live: sessions, detached screens) is not
  // repeated every interval: the wait doubles, up to 32 intervals.
  let backoff = 1;
  let notBefore = quietSince + intervalMs;
  const confirmMs = Math.min(100, opts.sampleMs ?? 250);
  let confirm: NodeJS.Timeout | null = null;
  const timer = setInterval(() => {
    const sample = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(sample, elu).utilization;
    elu = sample;
    const now = performance.now();
    if (busy > maxUtil) {
      quietSince = now;
      return;
    }
    if (confirm || now < notBefore || now - quietSince < quietMs) return;
    const before = used();
    if (before - floor < growth) {
      floor = Math.min(floor, before);
      return;
    }
    // A sample says nothing about its last moments: a transfer that began just before the tick
    // barely shows. The collection waits one short look more, and only a loop that stayed
    // (nearly) still over it is collected.
    notBefore = now + confirmMs;
    const look = performance.eventLoopUtilization();
    confirm = setTimeout(() => {
      confirm = null;
      if (performance.eventLoopUtilization(performance.eventLoopUtilization(), look).utilization > CONFIRM_UTILIZATION) {
        quietSince = performance.now();
        return;
      }
      const start = used();
      gc({ type: 'major', execution: 'sync' });
      const after = used();
      backoff = start - after < growth / 2 ? Math.min(backoff * 2, 32) : 1;
      notBefore = performance.now() + backoff * intervalMs;
      floor = Math.min(floor, after);
      opts.onCollect?.(start - after);
    }, confirmMs);
    confirm.unref();
  }, opts.sampleMs ?? 250);
  timer.unref();
  return {
    settle: () => {
      gc({ type: 'major', execution: 'sync' });
      floor = used();
    },
    stop: () => {
      clearInterval(timer);
      if (confirm) clearTimeout(confirm);
    },
  };
}
