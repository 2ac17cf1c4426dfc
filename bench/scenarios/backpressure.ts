/**
 * Backpressure: an endless stream from the pod (`cat /dev/zero`) to a reader limited to
 * 1 MiB/s (`pv -L 1m`) for 30 s; podgate's RSS growth over its RSS just before (sampled every
 * 500 ms). A bastion that honours flow control end to end stays flat.
 */
import { spawn } from 'node:child_process';
import { rssKiB, shellLine, sleep } from '../lib/proc.ts';
import type { BenchEnv } from '../lib/env.ts';
import type { BenchContext, ScenarioResult } from '../lib/result.ts';

export async function backpressure(env: BenchEnv, ctx: BenchContext): Promise<ScenarioResult[]> {
  const seconds = ctx.quick ? 3 : Number(process.env.PODGATE_BENCH_BP_SECONDS ?? 30);
  const pid = env.podgate.pid;
  await sleep(3000);
  const before = rssKiB(pid);
  const line = `${shellLine(env.targets.podgate.argv('cat /dev/zero'))} | pv -L 1m -b -n -f -i 1 >/dev/null`;
  const child = spawn('/bin/sh', ['-c', line], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', () => { /* nothing: pv writes to /dev/null */ });
  // pv -n -b: bytes passed so far, one number a line, every second.
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  child.on('error', (e) => ctx.log(`  backpressure: ${e.message}`));
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  const samples: number[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(500);
    samples.push(rssKiB(pid));
  }
  try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ }
  await closed;
  const peak = Math.max(...samples.filter(Number.isFinite));
  const growthMiB = (peak - before) / 1024;
  const delivered = Math.max(0, ...out.split('\n').map((l) => Number(l.trim())).filter(Number.isFinite));
  ctx.log(`  backpressure: podgate RSS ${before} KiB -> peak ${peak} KiB (+${growthMiB.toFixed(1)} MiB) over ${seconds} s; reader got ${(delivered / 2 ** 20).toFixed(1)} MiB`);
  return [{
    name: 'backpressure', title: `backpressure: cat /dev/zero | pv -L 1m, ${seconds} s`, unit: 'MiB growth', better: 'lower',
    rows: [{ target: 'podgate', median: growthMiB, samples: samples.length, failures: 0, podgateRssKiB: peak }],
    extra: {
      rssBeforeKiB: before, rssPeakKiB: peak, rssEndKiB: samples[samples.length - 1] ?? NaN, readerMiB: delivered / 2 ** 20,
      // Growth over time tells buffering (keeps climbing) from heap warm-up (levels off).
      rssGrowthEvery5sMiB: samples.filter((_, i) => i % 10 === 9).map((v) => ((v - before) / 1024).toFixed(1)).join(' '),
    },
    goal: '< 16 MiB growth', goalMet: growthMiB < 16,
    notes: ['RSS sampled every 500 ms from /proc/PID/status'],
  }];
}
