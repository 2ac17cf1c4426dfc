/**
 * Pre-authentication under pressure, against a second podgate with the DEFAULT limits (100
 * unauthenticated handshakes, 10 per address, default penalties):
 * - burst: 200 concurrent real `ssh … true` from one address; all must succeed;
 * - idle: 100 connections from ten addresses (127.0.0.2-11) that send a version line and idle,
 *   re-opened as soon as they are closed (harsher than renewing every 120 s), while valid
 *   logins from another address are timed (each must succeed within 5 s);
 * - failing: 1,000 failed public-key authentications from one address (ssh2 clients, 20 at a
 *   time) while valid logins from another address are timed; with default penalties (most
 *   are refused at the door) and again with penalties off (all 1,000 reach authentication).
 */
import net from 'node:net';
import ssh2 from 'ssh2';
import type { Podgate } from '../../test/helpers/podgate.ts';
import { runClient, sshArgs } from '../../test/helpers/ssh.ts';
import { rssKiB, sleep } from '../lib/proc.ts';
import { median, percentile } from '../lib/stats.ts';
import type { BenchEnv } from '../lib/env.ts';
import type { BenchContext, ScenarioResult } from '../lib/result.ts';
import { POD } from '../lib/targets.ts';

const DEFAULTS = { limits: { maxUnauthenticated: 100, maxUnauthenticatedPerSource: 10, penalties: { exempt: [] } } };

/** One valid `ssh alice+POD true` from `from`: ms, or NaN on failure. */
async function login(pg: Podgate, from: string): Promise<number> {
  const t0 = performance.now();
  // The first -o wins in OpenSSH: replace the helper's ConnectTimeout (it bounds the banner wait).
  const argv = sshArgs(pg, `alice+${POD}`, ['true'], { extraArgs: ['-b', from] }).map((a) => (a.startsWith('ConnectTimeout=') ? 'ConnectTimeout=150' : a));
  const r = await runClient('/usr/bin/ssh', argv, { timeoutMs: 180_000 });
  return r.code === 0 ? performance.now() - t0 : NaN;
}

async function burst(pg: Podgate, n: number, ctx: BenchContext): Promise<{ ok: number; ms: number[]; wallS: number }> {
  const t0 = performance.now();
  const ms = await Promise.all(Array.from({ length: n }, () => login(pg, '127.0.0.1')));
  const ok = ms.filter((x) => !Number.isNaN(x));
  const wallS = (performance.now() - t0) / 1000;
  ctx.log(`  preauth burst: ${ok.length}/${n} succeeded in ${wallS.toFixed(1)} s; per login median ${median(ok).toFixed(0)} ms p99 ${percentile(ok, 99).toFixed(0)} ms`);
  return { ok: ok.length, ms: ok, wallS };
}

/** Idle holders from 127.0.0.2-11 (10 each), re-opened when closed, until stop(). */
function holders(pg: Podgate): { stop(): void; opened(): number } {
  let stopped = false;
  let opened = 0;
  const live = new Set<net.Socket>();
  const open = (addr: string): void => {
    if (stopped) return;
    opened++;
    const s = net.connect({ port: pg.port, host: '127.0.0.1', localAddress: addr });
    live.add(s);
    s.on('error', () => {});
    s.once('data', () => s.write('SSH-2.0-idle_holder\r\n'));
    s.resume();
    s.on('close', () => {
      live.delete(s);
      setTimeout(() => open(addr), 50);
    });
  };
  for (let a = 2; a <= 11; a++) for (let k = 0; k < 10; k++) open(`127.0.0.${a}`);
  return { stop: () => { stopped = true; for (const s of live) s.destroy(); }, opened: () => opened };
}

/** One failed publickey authentication from `from` with a key nobody has. */
function failOnce(pg: Podgate, from: string, key: Buffer): Promise<'auth-failed' | 'refused'> {
  return new Promise((resolve) => {
    const sock = net.connect({ port: pg.port, host: '127.0.0.1', localAddress: from });
    const c = new ssh2.Client();
    let settled = false;
    const done = (r: 'auth-failed' | 'refused'): void => {
      if (settled) return;
      settled = true;
      c.end();
      sock.destroy();
      resolve(r);
    };
    c.on('error', (e: Error & { level?: string }) => done(e.level === 'client-authentication' ? 'auth-failed' : 'refused'));
    c.on('ready', () => done('auth-failed'));
    c.on('close', () => done('refused'));
    sock.on('error', () => done('refused'));
    c.connect({ sock, username: `mallory+${POD}`, privateKey: key, readyTimeout: 60_000 });
  });
}

async function failing(pg: Podgate, ctx: BenchContext, n: number): Promise<{ authFailed: number; refused: number; loginsMs: number[]; loginFailures: number }> {
  const { utils } = ssh2;
  const key = utils.generateKeyPairSync('ed25519').private;
  const keyBuf = Buffer.from(key);
  let done = 0;
  let authFailed = 0;
  let refused = 0;
  const loginsMs: number[] = [];
  let loginFailures = 0;
  let attacking = true;
  const prober = (async () => {
    while (attacking) {
      const ms = await login(pg, '127.0.0.14');
      if (Number.isNaN(ms)) loginFailures++;
      else loginsMs.push(ms);
      await sleep(500);
    }
  })();
  const worker = async (): Promise<void> => {
    while (done < n) {
      done++;
      if ((await failOnce(pg, '127.0.0.13', keyBuf)) === 'auth-failed') authFailed++;
      else refused++;
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  attacking = false;
  await prober;
  ctx.log(`  preauth failing: ${n} attempts: ${authFailed} reached authentication and failed, ${refused} refused at the door; `
    + `valid logins meanwhile ${loginsMs.length} ok (median ${median(loginsMs).toFixed(0)} ms, max ${Math.max(...loginsMs).toFixed(0)} ms), ${loginFailures} failed`);
  return { authFailed, refused, loginsMs, loginFailures };
}

export async function preauth(env: BenchEnv, ctx: BenchContext): Promise<ScenarioResult[]> {
  const pg = await env.startPodgate(DEFAULTS);
  try {
    const rss0 = rssKiB(pg.pid);
    const b = await burst(pg, ctx.quick ? 30 : 200, ctx);

    const h = holders(pg);
    await sleep(3000);
    const idleMs: number[] = [];
    let idleFailures = 0;
    for (let i = 0; i < (ctx.quick ? 2 : 5); i++) {
      const ms = await login(pg, '127.0.0.12');
      if (Number.isNaN(ms)) idleFailures++;
      else idleMs.push(ms);
      await sleep(1000);
    }
    h.stop();
    ctx.log(`  preauth idle: ${h.opened()} holder connections opened; valid logins ${idleMs.map((x) => x.toFixed(0)).join(', ')} ms; ${idleFailures} failed`);

    const f = await failing(pg, ctx, ctx.quick ? 100 : 1000);
    const rss1 = rssKiB(pg.pid);
    const noPenalties = await env.startPodgate({ limits: { ...DEFAULTS.limits, penalties: { authfail: 0, noauth: 0, graceExceeded: 0, crash: 0, exempt: [] } } });
    let fOff: Awaited<ReturnType<typeof failing>>;
    try {
      ctx.log('  preauth failing, penalties off:');
      fOff = await failing(noPenalties, ctx, ctx.quick ? 100 : 1000);
    } finally {
      await noPenalties.stop();
    }
    const refusals = pg.logs().filter((l) => l['code'] === 'CONNECTION_REFUSED');
    const byReason: Record<string, number> = {};
    for (const l of refusals) byReason[String(l['reason'])] = (byReason[String(l['reason'])] ?? 0) + 1;
    ctx.log(`  preauth refusals by reason: ${JSON.stringify(byReason)}; podgate RSS ${rss0} -> ${rss1} KiB`);
    const maxIdle = idleMs.length ? Math.max(...idleMs) : NaN;
    const maxFailing = f.loginsMs.length ? Math.max(...f.loginsMs) : NaN;
    const maxOff = fOff.loginsMs.length ? Math.max(...fOff.loginsMs) : NaN;
    const met = b.ok === (ctx.quick ? 30 : 200) && idleFailures === 0 && maxIdle < 5000 && f.loginFailures === 0 && maxFailing < 5000 && fOff.loginFailures === 0 && maxOff < 5000;
    return [{
      name: 'preauth', title: 'pre-auth: burst from one address; valid login under idle holders and 1,000 failed auths', unit: 'ms', better: 'lower',
      rows: [{ target: 'podgate', median: median(b.ms), p99: percentile(b.ms, 99), samples: b.ok, failures: (ctx.quick ? 30 : 200) - b.ok, podgateRssKiB: rss1 }],
      extra: {
        burstOk: b.ok, burstWallS: b.wallS, idleLoginMaxMs: maxIdle, idleLoginFailures: idleFailures, holderConnections: h.opened(),
        failedAuths: f.authFailed, refusedAtDoor: f.refused, loginUnderFailuresMaxMs: maxFailing, loginUnderFailuresFailed: f.loginFailures,
        noPenaltiesFailedAuths: fOff.authFailed, noPenaltiesLoginMaxMs: maxOff, noPenaltiesLoginMedianMs: median(fOff.loginsMs), noPenaltiesLoginFailed: fOff.loginFailures,
        refusals: JSON.stringify(byReason), rssBeforeKiB: rss0, rssAfterKiB: rss1,
      },
      goal: 'burst all succeed; valid login < 5 s under idle holders and under 1,000 failed auths', goalMet: met,
      notes: ['default limits: 100 unauthenticated, 10 per source, default penalties; row = per-login time within the burst'],
    }];
  } finally {
    await pg.stop();
  }
}
