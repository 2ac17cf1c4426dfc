/** Session setup: wall time of `<client> true` from spawn to exit, median and p99 of N. */
import { sh, shellLine, sleep } from '../lib/proc.ts';
import { median, percentile } from '../lib/stats.ts';
import type { BenchEnv } from '../lib/env.ts';
import type { BenchContext, ScenarioResult } from '../lib/result.ts';
import { TARGETS, type TargetName } from '../lib/targets.ts';

export async function setup(env: BenchEnv, ctx: BenchContext): Promise<ScenarioResult[]> {
  const n = ctx.quick ? 2 : Number(process.env.PODGATE_BENCH_SETUP_N ?? 30);
  const samples: Record<TargetName, number[]> = { podgate: [], direct: [], sshd: [], ssh2: [] };
  const fails: Record<TargetName, number> = { podgate: 0, direct: 0, sshd: 0, ssh2: 0 };
  for (let i = 0; i < n; i++) {
    for (const t of TARGETS) {
      const res = await sh(shellLine(env.targets[t].argv('true')), 120_000);
      if (res.code === 0) samples[t].push(res.ms);
      else {
        fails[t]++;
        ctx.log(`  setup ${t}: FAILED exit ${res.code}: ${res.stderr.trim().slice(0, 200)}`);
      }
      await sleep(50);
    }
  }
  const rows = TARGETS.map((t) => ({ target: t, median: median(samples[t]), p99: percentile(samples[t], 99), samples: samples[t].length, failures: fails[t] }));
  for (const r of rows) ctx.log(`  setup ${r.target}: median ${r.median.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms`);
  const pg = rows[0].median;
  const sshd = rows[2].median;
  return [{
    name: 'setup', title: `session setup: client true (${n}x, sequential)`, unit: 'ms', better: 'lower', rows,
    extra: { podgateVsSshd: pg / sshd },
    goal: '<= 1.5x sshd', goalMet: Number.isFinite(pg / sshd) ? pg / sshd <= 1.5 : undefined,
    notes: ['wall time from spawn to exit, including ssh/kubectl process start'],
  }];
}
