/**
 * Throughput: bytes from the pod to the client (zeros and incompressible data) and from the
 * client into the pod, MB/s (10^6 bytes/s), median of N runs interleaved across targets.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { sh, shellLine, rssKiB, sleep } from '../lib/proc.ts';
import { median, percentile } from '../lib/stats.ts';
import type { BenchEnv } from '../lib/env.ts';
import type { BenchContext, Row, ScenarioResult } from '../lib/result.ts';
import { TARGETS, type TargetName } from '../lib/targets.ts';

/** Incompressible data: a host file the emulator's containers see at the same path. */
export const RANDOM_FILE = '/tmp/podgate-bench-random.bin';

function ensureRandomFile(mib: number): void {
  if (existsSync(RANDOM_FILE) && statSync(RANDOM_FILE).size === mib * 1024 * 1024) return;
  execFileSync('/bin/sh', ['-c', `head -c ${mib}M /dev/urandom > ${RANDOM_FILE}`]);
}

/** Samples a pid's RSS every 100 ms until stopped; returns the peak. */
function rssSampler(pid: number): { stop(): number } {
  let peak = rssKiB(pid);
  const t = setInterval(() => { peak = Math.max(peak, rssKiB(pid)); }, 100);
  return { stop() { clearInterval(t); return Math.max(peak, rssKiB(pid)); } };
}

type Kind = 'out-zero' | 'out-random' | 'in';

async function measure(env: BenchEnv, ctx: BenchContext, kind: Kind, mib: number, runs: number): Promise<Row[]> {
  const bytes = mib * 1024 * 1024;
  const samples: Record<TargetName, number[]> = { podgate: [], direct: [], sshd: [] };
  const fails: Record<TargetName, number> = { podgate: 0, direct: 0, sshd: 0 };
  const peak: number[] = [];
  for (let r = 0; r < runs; r++) {
    for (const t of TARGETS) {
      const target = env.targets[t];
      const line = kind === 'in'
        ? `head -c ${bytes} /dev/zero | ${shellLine(target.argv('cat >/dev/null; echo ok', { stdin: true }))}`
        : `${shellLine(target.argv(kind === 'out-zero' ? `head -c ${bytes} /dev/zero` : `cat ${RANDOM_FILE}`))} | wc -c`;
      const sampler = t === 'podgate' ? rssSampler(env.podgate.pid) : null;
      const res = await sh(line);
      if (sampler) peak.push(sampler.stop());
      const ok = res.code === 0 && (kind === 'in' ? res.stdout.trim() === 'ok' : Number(res.stdout.trim()) === bytes);
      if (!ok) {
        fails[t]++;
        ctx.log(`  ${kind} ${t} run ${r + 1}: FAILED (exit ${res.code}, stdout ${res.stdout.trim().slice(0, 40)}, stderr ${res.stderr.trim().slice(0, 200)})`);
        continue;
      }
      const mbps = bytes / 1e6 / (res.ms / 1000);
      samples[t].push(mbps);
      ctx.log(`  ${kind} ${t} run ${r + 1}: ${mbps.toFixed(1)} MB/s (${(res.ms / 1000).toFixed(2)} s)`);
      await sleep(200);
    }
  }
  return TARGETS.map((t) => ({
    target: t,
    median: median(samples[t]),
    p99: percentile(samples[t], 1),
    samples: samples[t].length,
    failures: fails[t],
    ...(t === 'podgate' ? { podgateRssKiB: Math.max(...peak) } : {}),
  }));
}

function result(name: string, title: string, rows: Row[], notes: string[]): ScenarioResult {
  const pg = rows.find((r) => r.target === 'podgate')!;
  const direct = rows.find((r) => r.target === 'direct')!;
  const ratio = pg.median / direct.median;
  return {
    name, title, unit: 'MB/s', better: 'higher', rows,
    extra: { podgateVsDirect: ratio, podgatePeakRssMiB: (pg.podgateRssKiB ?? NaN) / 1024 },
    goal: '>= 90% of direct',
    goalMet: Number.isFinite(ratio) ? ratio >= 0.9 : undefined,
    notes,
  };
}

export async function throughputOut(env: BenchEnv, ctx: BenchContext): Promise<ScenarioResult[]> {
  const mib = ctx.quick ? 8 : Number(process.env.PODGATE_BENCH_OUT_MIB ?? 512);
  const rmib = ctx.quick ? 8 : Number(process.env.PODGATE_BENCH_RANDOM_MIB ?? 256);
  const runs = ctx.quick ? 1 : 3;
  ensureRandomFile(rmib);
  const zero = await measure(env, ctx, 'out-zero', mib, runs);
  const rand = await measure(env, ctx, 'out-random', rmib, runs);
  return [
    result('out-zero', `output: head -c ${mib}M /dev/zero`, zero, [`median of ${runs}, stdout piped into wc -c`]),
    result('out-random', `output: cat ${rmib} MiB random file`, rand, [`median of ${runs}; ${RANDOM_FILE}`]),
  ];
}

export async function throughputIn(env: BenchEnv, ctx: BenchContext): Promise<ScenarioResult[]> {
  const mib = ctx.quick ? 8 : Number(process.env.PODGATE_BENCH_IN_MIB ?? 512);
  const runs = ctx.quick ? 1 : 3;
  const rows = await measure(env, ctx, 'in', mib, runs);
  return [result('in', `input: ${mib} MiB stdin into cat >/dev/null`, rows, [`median of ${runs}, head -c | client`])];
}
