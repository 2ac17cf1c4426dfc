/**
 * A full GC when podgate is idle after a burst. With the relay's V8 setting
 * (src/ssh/young-generation.ts: the old generation may double before its next mark-compact),
 * a podgate that goes quiet after a burst (a flood of SFTP data, many sessions ending) runs no
 * major GC at all: nothing allocates, so nothing triggers one, and the ArrayBuffers of dead
 * objects (TLS records, SSH packets, SFTP buffers) stay in RSS indefinitely: measured at
 * +101 MiB of `external` memory a minute after the hostile bench, with 0 sessions left.
 *
 * Every `intervalMs`, if the process was mostly idle over the interval (event-loop utilisation
 * under `maxUtilization`) and external plus heap memory grew more than `growthBytes` since the
 * lowest point seen, one major GC runs. A busy relay (high utilisation) is never interrupted; an
 * idle process collects at most once per interval, only after growth, and less and less often
 * while what it finds is live.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => unknown;

export interface IdleGcOptions {
  intervalMs?: number;
  growthBytes?: number;
  maxUtilization?: number;
  /** Called after each collection (tests, metrics). */
  onCollect?: (freedBytes: number) => void;
}

export interface IdleGc {
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

const used = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

export function startIdleGc(opts: IdleGcOptions = {}): IdleGc {
  const gc = exposeGc();
  if (!gc) return { stop: () => undefined };
  const growth = opts.growthBytes ?? 32 * 1024 * 1024;
  const maxUtil = opts.maxUtilization ?? 0.2;
  let floor = used();
  let elu = performance.eventLoopUtilization();
  // A collection that freed little (the memory is live: sessions, detached screens) is not
  // repeated every interval: the wait doubles, up to 32 intervals.
  let backoff = 1;
  let wait = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, elu).utilization;
    elu = now;
    if (wait > 0) {
      wait--;
      return;
    }
    const before = used();
    if (busy > maxUtil || before - floor < growth) {
      floor = Math.min(floor, before);
      return;
    }
    gc({ type: 'major', execution: 'sync' });
    const after = used();
    if (before - after < growth / 2) {
      backoff = Math.min(backoff * 2, 32);
      wait = backoff;
    } else {
      backoff = 1;
    }
    floor = Math.min(floor, after);
    opts.onCollect?.(before - after);
  }, opts.intervalMs ?? 10_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
