/**
 * Throughput: bytes from the pod to the client (zeros and incompressible data) and from the
 * client into the pod, MB/s (10^6 bytes/s), median of N runs interleaved across targets.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cpuSeconds, sh, shellLine, rssKiB, sleep } from '../lib/proc.ts';
import { median, percentile } from '../lib/stats.ts';
import type { BenchEnv } from '../lib/env.ts';
import type { BenchContext, Row, ScenarioResult } from '../lib/result.ts';
import { THROUGHPUT_TARGETS, type TargetName } from '../lib/targets.ts';

/** Incompressible data: a host file the emulator's containers see at the same path. */
const RANDOM_FILE = '/tmp/podgate-bench-random.bin';

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

/**
 * The server-side CPU one target's run costs, in seconds: podgate's process; the emulator
 * (API server + runtime, with the container's command) for podgate and direct; sshd's and the
 * bare ssh2 server's process with their reaped children (the session and its command).
 */
function serverCpu(env: BenchEnv): Record<string, number> {
  return {
    podgate: cpuSeconds(env.podgate.pid),
    emulator: cpuSeconds(env.emulatorPid, true),
    sshd: cpuSeconds(env.sshd.pid, true),
    ssh2: cpuSeconds(env.ssh2.pid, true),
  };
}

interface Measured { rows: Row[]; cpu: Record<string, number> }

async function measure(env: BenchEnv, ctx: BenchContext, kind: Kind, mib: number, runs: number): Promise<Measured> {
  const bytes = mib * 1024 * 1024;
  const samples: Record<TargetName, number[]> = { podgate: [], direct: [], sshd: [], ssh2: [] };
  const fails: Record<TargetName, number> = { podgate: 0, direct: 0, sshd: 0, ssh2: 0 };
  const peak: number[] = [];
  // CPU seconds per GiB moved, averaged over the successful runs that measured each key.
  const cpu: Record<string, { sum: number; n: number }> = {};
  const addCpu = (key: string, sec: number): void => {
    if (!Number.isFinite(sec)) return;
    const c = (cpu[key] ??= { sum: 0, n: 0 });
    c.sum += sec;
    c.n++;
  };
  for (let r = 0; r < runs; r++) {
    for (const t of THROUGHPUT_TARGETS) {
      const target = env.targets[t];
      const line = kind === 'in'
        ? `head -c ${bytes} /dev/zero | ${shellLine(target.argv('cat >/dev/null; echo ok', { stdin: true }))}`
        : `${shellLine(target.argv(kind === 'out-zero' ? `head -c ${bytes} /dev/zero` : `cat ${RANDOM_FILE}`))} | wc -c`;
      const sampler = t === 'podgate' ? rssSampler(env.podgate.pid) : null;
      const before = serverCpu(env);
      const res = await sh(line);
      if (sampler) peak.push(sampler.stop());
      // Let the servers finish and reap the session (sshd's per-connection process, the
      // command) so its CPU lands in this run's reading, not the next one's.
      await sleep(200);
      const after = serverCpu(env);
      const ok = res.code === 0 && (kind === 'in' ? res.stdout.trim() === 'ok' : Number(res.stdout.trim()) === bytes);
      if (!ok) {
        fails[t]++;
        ctx.log(`  ${kind} ${t} run ${r + 1}: FAILED (exit ${res.code}, stdout ${res.stdout.trim().slice(0, 40)}, stderr ${res.stderr.trim().slice(0, 200)})`);
        continue;
      }
      const mbps = bytes / 1e6 / (res.ms / 1000);
      samples[t].push(mbps);
      const gib = bytes / 2 ** 30;
      const used = (k: string): number => (after[k] - before[k]) / gib;
      if (t === 'podgate') { addCpu('podgate', used('podgate')); addCpu('emulator(podgate)', used('emulator')); }
      if (t === 'direct') addCpu('emulator(direct)', used('emulator'));
      if (t === 'sshd') addCpu('sshd', used('sshd'));
      if (t === 'ssh2') addCpu('ssh2', used('ssh2'));
      ctx.log(`  ${kind} ${t} run ${r + 1}: ${mbps.toFixed(1)} MB/s (${(res.ms / 1000).toFixed(2)} s)`);
    }
  }
  const perRun = Object.fromEntries(Object.entries(cpu).map(([k, c]) => [k, c.sum / c.n]));
  const rows = THROUGHPUT_TARGETS.map((t) => ({
    target: t,
    median: median(samples[t]),
    p99: percentile(samples[t], 1),
    samples: samples[t].length,
    failures: fails[t],
    ...(t === 'podgate' ? { podgateRssKiB: Math.max(...peak) } : {}),
  }));
  return { rows, cpu: perRun };
}

function result(name: string, title: string, m: Measured, notes: string[]): ScenarioResult {
  const { rows } = m;
  const pg = rows.find((r) => r.target === 'podgate')!;
  const direct = rows.find((r) => r.target === 'direct')!;
  const ssh2 = rows.find((r) => r.target === 'ssh2');
  const ratio = pg.median / direct.median;
  const cpu = Object.fromEntries(Object.entries(m.cpu).map(([k, v]) => [`cpuSecPerGiB.${k}`, v]));
  return {
    name, title, unit: 'MB/s', better: 'higher', rows,
    extra: {
      podgateVsDirect: ratio,
      ...(ssh2 ? { ssh2BareVsDirect: ssh2.median / direct.median, podgateVsSsh2Bare: pg.median / ssh2.median } : {}),
      podgatePeakRssMiB: (pg.podgateRssKiB ?? NaN) / 1024,
      ...cpu,
    },
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
