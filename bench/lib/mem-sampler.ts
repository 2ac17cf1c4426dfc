/**
 * What podgate holds, sampled from outside while the hostile scenario runs: RSS (from /proc),
 * the V8 heap and the memory outside it (`external`, which counts every Buffer and
 * ArrayBuffer) from podgate's own Prometheus metrics, its open file descriptors (SSH
 * connections plus one socket per exec/WebSocket to the API server) and its running sessions.
 * RSS alone cannot tell a leak from memory the allocator keeps after a free; the heap and
 * external figures can.
 */
import { readdirSync } from 'node:fs';
import { rssKiB } from './proc.ts';

export interface MemSample {
  /** ms since the sampler started */
  t: number;
  rssKiB: number;
  heapUsedKiB: number;
  heapTotalKiB: number;
  externalKiB: number;
  fds: number;
  sessions: number;
}

function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

async function scrape(port: number | null): Promise<string> {
  if (port === null) return '';
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1500) });
    return await res.text();
  } catch {
    return '';
  }
}

/** One sample now. */
export async function memSample(pid: number, metricsPort: number | null, t = 0): Promise<MemSample> {
  const text = await scrape(metricsPort);
  const kib = (n: string): number => Math.round(metric(text, n) / 1024);
  return {
    t, rssKiB: rssKiB(pid), heapUsedKiB: kib('nodejs_heap_size_used_bytes'), heapTotalKiB: kib('nodejs_heap_size_total_bytes'),
    externalKiB: kib('nodejs_external_memory_bytes'), fds: fdCount(pid), sessions: metric(text, 'podgate_sessions_active'),
  };
}

/** Samples every `everyMs` until `stop()`, which returns them all. */
export function startMemSampler(pid: number, metricsPort: number | null, everyMs = 2000): { samples: MemSample[]; stop: () => MemSample[] } {
  const samples: MemSample[] = [];
  const t0 = Date.now();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void memSample(pid, metricsPort, Date.now() - t0).then((s) => { samples.push(s); busy = false; });
  }, everyMs);
  return { samples, stop: () => { clearInterval(timer); return samples; } };
}

/** `rss/heap/ext MiB, fds, sessions` for one sample, relative to `base` for the memory figures. */
export function describe(s: MemSample, base: MemSample): string {
  const d = (a: number, b: number): string => `${a - b >= 0 ? '+' : ''}${((a - b) / 1024).toFixed(0)}`;
  return `rss ${d(s.rssKiB, base.rssKiB)} heap ${d(s.heapUsedKiB, base.heapUsedKiB)} (total ${d(s.heapTotalKiB, base.heapTotalKiB)}) ext ${d(s.externalKiB, base.externalKiB)} MiB, fds ${s.fds}, sessions ${s.sessions}`;
}
