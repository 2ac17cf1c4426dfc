/**
 * Hostile: 20 users attack podgate's memory at once (issue #13) while a normal user works. Each
 * hostile user opens many SFTP handles on /dev/zero in the busybox pod (podgate's own SFTP
 * server: one read-ahead stream each), queues 255 KiB WRITEs without waiting, floods STATs with
 * huge paths, sends thousands of `LC_*` env requests, and opens dozens of session channels on
 * one connection. Reported: podgate's RSS before, at its peak, and up to 60 s after every
 * hostile client disconnected; and the normal user's echo latency meanwhile (a `cat` exec,
 * one line every 200 ms), and afterwards the time of a fresh login + `echo` (10 tries). Not a
 * timed test: `npm run bench -- --only hostile`. With PODGATE_BENCH_HOSTILE_LOG=FILE, podgate's
 * JSON log of the run is written to FILE (one event a line) for the post-mortem.
 */
import { writeFileSync } from 'node:fs';
import type { ClientChannel } from 'ssh2';
import { connectSsh2, execSsh2 } from '../../test/helpers/ssh2-client.ts';
import { hostileSession, type AttackSizes } from '../lib/hostile-attacks.ts';
import { rssKiB, sleep } from '../lib/proc.ts';
import type { BenchEnv } from '../lib/env.ts';
import type { BenchContext, ScenarioResult } from '../lib/result.ts';
import { percentile } from '../lib/stats.ts';
import { describe, memSample, startMemSampler } from '../lib/mem-sampler.ts';

const num = (name: string, def: number): number => Number(process.env[name] ?? def);

/** The normal user: a `cat` exec echoing one line every 200 ms; latency of each echo (ms). */
async function echoProbe(env: BenchEnv): Promise<{ stop: () => Promise<number[]>; misses: () => number }> {
  const client = await connectSsh2(env.podgate, 'alice+web-7d9f');
  const ch = await new Promise<ClientChannel>((resolve, reject) => client.exec('cat', (e, c) => (e ? reject(e) : resolve(c))));
  const lat: number[] = [];
  let sentAt = 0;
  let waiting = false;
  let missed = 0;
  ch.on('data', () => { if (waiting) { lat.push(performance.now() - sentAt); waiting = false; } });
  ch.stderr.on('data', () => undefined);
  const timer = setInterval(() => {
    if (waiting) { missed++; return; }
    waiting = true;
    sentAt = performance.now();
    ch.write('x\n');
  }, 200);
  return {
    misses: () => missed,
    stop: async () => { clearInterval(timer); ch.end(); client.end(); return lat; },
  };
}

export async function hostile(env: BenchEnv, ctx: BenchContext): Promise<ScenarioResult[]> {
  const users = num('PODGATE_BENCH_HOSTILE_USERS', ctx.quick ? 4 : 20);
  const sizes: AttackSizes = {
    handles: num('PODGATE_BENCH_HOSTILE_HANDLES', ctx.quick ? 16 : 100),
    writes: 64, stats: 200, statPathBytes: 64 * 1024, envs: ctx.quick ? 500 : 2000, envValueBytes: 1024, channels: 50,
  };
  const attackSeconds = ctx.quick ? 10 : num('PODGATE_BENCH_HOSTILE_SECONDS', 30);
  const afterSeconds = ctx.quick ? 10 : 60;
  const pid = env.podgate.pid;
  await sleep(3000);
  const baseline = rssKiB(pid);
  const memBase = await memSample(pid, env.podgate.metricsPort);
  const probe = await echoProbe(env);
  await sleep(2000);
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssKiB(pid)), 500);
  const mem = startMemSampler(pid, env.podgate.metricsPort);
  ctx.log(`  hostile: baseline RSS ${baseline} KiB; ${users} hostile users, ${JSON.stringify(sizes)}`);
  const latBefore = (await probe.stop()).slice();
  const probe2 = await echoProbe(env);
  const t0 = Date.now();
  const clients = (await Promise.all(Array.from({ length: users }, () => hostileSession(env.podgate, 'alice+tiny.prod', 'alice+tiny.prod', sizes).catch((e: unknown) => {
    ctx.log(`  hostile session failed: ${(e as Error).message}`);
    return [];
  })))).flat();
  const setupMs = Date.now() - t0;
  await sleep(Math.max(0, attackSeconds * 1000 - setupMs));
  const peak = Math.max(...samples.filter(Number.isFinite));
  const latDuring = await probe2.stop();
  const missedDuring = probe2.misses();
  const memPeak = mem.samples.reduce((a, b) => (b.rssKiB > a.rssKiB ? b : a), memBase);
  ctx.log(`  hostile: at the end of the attack: ${describe(mem.samples.at(-1) ?? memBase, memBase)}; at the RSS peak: ${describe(memPeak, memBase)}`);
  for (const c of clients) c.end();
  const ended = samples.length;
  const memEnded = mem.samples.length;
  await sleep(afterSeconds * 1000);
  clearInterval(sampler);
  const after = samples.slice(ended);
  const memAfter = mem.stop().slice(memEnded);
  for (const m of memAfter.filter((_, i) => i % 5 === 4)) ctx.log(`  hostile: ${((m.t - (memAfter[0]?.t ?? 0)) / 1000).toFixed(0)} s after: ${describe(m, memBase)}`);
  const memEnd = await memSample(pid, env.podgate.metricsPort);
  const end = rssKiB(pid);
  const logs = env.podgate.logs();
  const openSessions = logs.filter((l) => l['code'] === 'SESSION_START').length - logs.filter((l) => l['code'] === 'SESSION_END').length;
  const refused = logs.filter((l) => l['code'] === 'LIMIT_REFUSED').map((l) => `${String(l['limit'])}:${String(l['refused'])}`);
  ctx.log(`  hostile: sessions still open ${afterSeconds} s after: ${openSessions}; LIMIT_REFUSED ${refused.length} events (${[...new Set(refused.map((r) => r.split(':')[0]))].join(', ')})`);
  // After: a fresh connection and `echo` exec each 2 s for 20 s (what a user logging in sees).
  const latAfter: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t1 = performance.now();
    try {
      const c = await connectSsh2(env.podgate, 'alice+web-7d9f');
      const r = await Promise.race([execSsh2(c, 'echo hi'), sleep(15_000).then(() => ({ code: null, stdout: 'timeout' }))]);
      c.end();
      if (r.stdout === 'timeout') ctx.log('  hostile: login + echo after the attack timed out (15 s)');
      if (r.stdout === 'hi\n') latAfter.push(performance.now() - t1);
    } catch (e) {
      ctx.log(`  hostile: login + echo after the attack failed: ${(e as Error).message}`);
    }
    await sleep(2000);
  }
  const dump = process.env['PODGATE_BENCH_HOSTILE_LOG'];
  if (dump) writeFileSync(dump, env.podgate.logs().map((l) => JSON.stringify(l)).join('\n') + '\n');
  const mib = (k: number): number => (k - baseline) / 1024;
  const p50 = (a: number[]): number => (a.length ? percentile(a, 50) : NaN);
  const p99 = (a: number[]): number => (a.length ? percentile(a, 99) : NaN);
  ctx.log(`  hostile: RSS baseline ${baseline} KiB, peak ${peak} KiB (+${mib(peak).toFixed(1)} MiB), ${afterSeconds} s after ${end} KiB (+${mib(end).toFixed(1)} MiB, min +${mib(Math.min(...after)).toFixed(1)} MiB)`);
  ctx.log(`  hostile: echo p50/p99 ms before ${p50(latBefore).toFixed(1)}/${p99(latBefore).toFixed(1)}, during ${p50(latDuring).toFixed(1)}/${p99(latDuring).toFixed(1)} (${latDuring.length} echoes, ${missedDuring} late ticks), login+echo after ${p50(latAfter).toFixed(0)}/${p99(latAfter).toFixed(0)} (${latAfter.length}/10 ok)`);
  return [{
    name: 'hostile', title: `hostile: ${users} users attack memory for ${attackSeconds} s`, unit: 'MiB peak growth', better: 'lower',
    rows: [{ target: 'podgate', median: mib(peak), samples: samples.length, failures: latDuring.length === 0 ? 1 : 0, podgateRssKiB: peak }],
    extra: {
      rssBaselineKiB: baseline, rssPeakKiB: peak, rssAfterKiB: end, rssAfterMinKiB: Math.min(...after), afterSeconds,
      echoP50BeforeMs: p50(latBefore), echoP50DuringMs: p50(latDuring), echoP99DuringMs: p99(latDuring), echoesDuring: latDuring.length,
      lateTicksDuring: missedDuring, loginEchoP50AfterMs: p50(latAfter), loginEchoOkAfter: latAfter.length, hostileConnections: clients.length, sessionsOpenAfter: openSessions,
      heapUsedBaselineKiB: memBase.heapUsedKiB, externalBaselineKiB: memBase.externalKiB, heapUsedPeakKiB: memPeak.heapUsedKiB, externalPeakKiB: memPeak.externalKiB,
      heapUsedAfterKiB: memEnd.heapUsedKiB, externalAfterKiB: memEnd.externalKiB, fdsBaseline: memBase.fds, fdsPeak: memPeak.fds, fdsAfter: memEnd.fds,
      rssEvery5sMiB: samples.filter((_, i) => i % 10 === 9).map((v) => mib(v).toFixed(0)).join(' '),
    },
    goal: 'peak < +256 MiB; back near baseline within 60 s; echo keeps working',
    goalMet: mib(peak) < 256 && latDuring.length > 0,
    notes: ['RSS sampled every 500 ms from /proc/PID/status', 'limits: podgate defaults'],
  }];
}
