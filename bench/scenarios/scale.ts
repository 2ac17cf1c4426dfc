/**
 * Scale: N concurrent idle interactive sessions through podgate (PTY, `cat` on the far side).
 * Success = the session came up and echoed one key after all N were open. podgate's RSS per
 * session = (RSS with N open - RSS before) / sessions up. Every podgate session is a real
 * process (and PTY) in the emulator on this same machine, so the sizes are what it allows.
 */
import { sleep, rssKiB } from '../lib/proc.ts';
import { startTypist, ECHO_CMD, type Typist } from '../lib/pty-typist.ts';
import type { BenchEnv } from '../lib/env.ts';
import type { BenchContext, ScenarioResult } from '../lib/result.ts';

/** Counts of each distinct string, most frequent first. */
function countBy(items: string[]): [string, number][] {
  const m = new Map<string, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1]);
}

/** Why sessions did not come up: what their clients printed and podgate's SESSION_DENIED reasons. */
function whyNotUp(typists: Typist[], ready: boolean[], env: BenchEnv): string[] {
  const printed = typists.filter((_, i) => !ready[i]).map((t) => t.tail().replace(/\s+/g, ' ').trim().slice(-160) || '(no output)');
  const denied = env.podgate.logs().filter((l) => l['code'] === 'SESSION_DENIED').map((l) => `${String(l['errorCode'])}: ${String(l['message'])}`);
  return [
    ...countBy(printed).slice(0, 5).map(([k, c]) => `${c} not up, client printed: ${k}`),
    ...countBy(denied).slice(0, 5).map(([k, c]) => `podgate denied ${c}: ${k}`),
  ];
}

async function settleRss(pid: number): Promise<number> {
  if (typeof global.gc === 'function') global.gc();
  await sleep(2000);
  return rssKiB(pid);
}

export async function scale(env: BenchEnv, ctx: BenchContext): Promise<ScenarioResult[]> {
  const sizes = ctx.quick ? [3] : (process.env.PODGATE_BENCH_SCALE ?? '100,500,1000').split(',').map(Number);
  const pid = env.podgate.pid;
  const results: ScenarioResult[] = [];
  for (const n of sizes) {
    const before = await settleRss(pid);
    const typists: Typist[] = [];
    const t0 = performance.now();
    let up = 0;
    let working = 0;
    let during = NaN;
    try {
      for (let i = 0; i < n; i++) {
        typists.push(startTypist(env.targets.podgate.argv(ECHO_CMD, { tty: true }), 300_000));
        if (i % 20 === 19) await sleep(250);
      }
      const ready = await Promise.all(typists.map((t) => t.ready));
      up = ready.filter(Boolean).length;
      const setupS = (performance.now() - t0) / 1000;
      if (up < n) for (const line of whyNotUp(typists, ready, env)) ctx.log(`  scale ${n}: ${line}`);
      during = await settleRss(pid);
      const echoes = await Promise.all(typists.map((t, i) => (ready[i] ? t.key(60_000) : Promise.resolve(NaN))));
      working = echoes.filter((x) => !Number.isNaN(x)).length;
      const perSession = (during - before) / Math.max(1, up);
      ctx.log(`  scale ${n}: ${up} up, ${working} echoed, in ${setupS.toFixed(1)} s; podgate RSS ${before} -> ${during} KiB = ${perSession.toFixed(0)} KiB/session`);
      results.push({
        name: `scale-${n}`, title: `scale: ${n} idle PTY sessions`, unit: 'KiB/session', better: 'lower',
        rows: [{ target: 'podgate', median: perSession, samples: up, failures: n - working, podgateRssKiB: during }],
        extra: { sessions: n, up, working, successRate: working / n, rssBeforeKiB: before, rssWithSessionsKiB: during, openSeconds: setupS },
        goal: n >= 1000 ? '1,000 all working, <= 200 KiB/session' : '<= 200 KiB/session',
        goalMet: n >= 1000 ? working === n && perSession <= 200 : perSession <= 200,
        notes: [`starts in waves of 20 every 250 ms; ${working}/${n} echoed a key once all were open`],
      });
    } finally {
      await Promise.all(typists.map((t) => t.kill()));
    }
    await sleep(3000);
  }
  return results;
}
