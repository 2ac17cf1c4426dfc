/**
 * Keystroke latency: a byte typed under a PTY until its echo arrives. One session typing
 * 2,000 keys back to back (a short pause between keys), and N sessions typing at once
 * (about 10 keys/s each) until 2,000 keys in total have been timed.
 */
import { percentile, median } from '../lib/stats.ts';
import { sleep } from '../lib/proc.ts';
import { startTypist, ECHO_CMD, type Typist } from '../lib/pty-typist.ts';
import type { BenchEnv } from '../lib/env.ts';
import type { BenchContext, Row, ScenarioResult } from '../lib/result.ts';
import { TARGETS } from '../lib/targets.ts';

async function runSessions(argv: string[], sessions: number, keysPerSession: number, gapMs: number, ctx: BenchContext, label: string): Promise<{ samples: number[]; failures: number; started: number }> {
  const typists: Typist[] = [];
  const samples: number[] = [];
  let failures = 0;
  try {
    // Start clients in small waves so the session setups do not all land in the same instant.
    for (let i = 0; i < sessions; i++) {
      typists.push(startTypist(argv));
      if (i % 10 === 9) await sleep(100);
    }
    const ready = await Promise.all(typists.map((t) => t.ready));
    const live = typists.filter((_, i) => ready[i]);
    failures += (sessions - live.length) * keysPerSession;
    ctx.log(`  ${label}: ${live.length}/${sessions} sessions ready`);
    const firstFailed = typists.find((_, i) => !ready[i]);
    if (firstFailed) ctx.log(`  ${label}: a session that did not come up printed: ${JSON.stringify(firstFailed.tail())}`);
    await Promise.all(live.map(async (t, idx) => {
      await sleep((idx * gapMs) / Math.max(1, live.length));
      for (let k = 0; k < keysPerSession; k++) {
        const ms = await t.key();
        if (Number.isNaN(ms)) failures++;
        else samples.push(ms);
        await sleep(gapMs * (0.5 + Math.random()));
      }
    }));
    return { samples, failures, started: live.length };
  } finally {
    await Promise.all(typists.map((t) => t.kill()));
  }
}

async function scenario(env: BenchEnv, ctx: BenchContext, sessions: number, totalKeys: number, gapMs: number, name: string, goalMs: number): Promise<ScenarioResult> {
  const keysPerSession = Math.ceil(totalKeys / sessions);
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const t of TARGETS) {
    const r = await runSessions(env.targets[t].argv(ECHO_CMD, { tty: true }), sessions, keysPerSession, gapMs, ctx, `${name} ${t}`);
    rows.push({ target: t, median: median(r.samples), p99: percentile(r.samples, 99), samples: r.samples.length, failures: r.failures });
    ctx.log(`  ${name} ${t}: p50 ${median(r.samples).toFixed(2)} ms p99 ${percentile(r.samples, 99).toFixed(2)} ms (${r.samples.length} keys, ${r.failures} missed)`);
    if (r.started < sessions) notes.push(`${t}: only ${r.started}/${sessions} sessions started`);
  }
  const pg = rows[0];
  const direct = rows[1];
  const added = pg.p99! - direct.p99!;
  return {
    name, title: `keystroke echo, ${sessions} session${sessions > 1 ? 's' : ''} (${keysPerSession * sessions} keys)`, unit: 'ms', better: 'lower', rows,
    extra: { podgateP99AddedOverDirectMs: added, podgateP50AddedOverDirectMs: pg.median - direct.median },
    goal: `p99 added over direct < ${goalMs} ms`,
    // Missed podgate keys fail the goal; a direct run that could not open all its sessions
    // leaves nothing fair to compare with.
    goalMet: pg.failures > 0 ? false : direct.failures > 0 || !Number.isFinite(added) ? undefined : added < goalMs,
    notes: [`far side: ${ECHO_CMD}; ~${gapMs} ms between keys per session`, ...notes],
  };
}

export async function latency1(env: BenchEnv, ctx: BenchContext): Promise<ScenarioResult[]> {
  const keys = ctx.quick ? 20 : Number(process.env.PODGATE_BENCH_KEYS ?? 2000);
  return [await scenario(env, ctx, 1, keys, 5, 'latency-1', 2)];
}

export async function latencyMany(env: BenchEnv, ctx: BenchContext): Promise<ScenarioResult[]> {
  const sessions = ctx.quick ? 3 : Number(process.env.PODGATE_BENCH_LATENCY_SESSIONS ?? 200);
  const keys = ctx.quick ? 30 : Number(process.env.PODGATE_BENCH_KEYS ?? 2000);
  return [await scenario(env, ctx, sessions, keys, 100, 'latency-many', 20)];
}
