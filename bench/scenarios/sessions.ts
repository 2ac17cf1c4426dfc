/**
 * Sessions that outlive a connection (docs/sessions.md): what the headless terminal costs.
 * - Keystroke echo through podgate with `sessions.detachGraceSeconds` 0 (no screen mirror) and
 *   600 (every output byte also goes through the headless terminal): one session through each,
 *   typing in turns in the same run, so the machine's noise falls on both alike.
 * - Memory per detached session with its 10,000 lines of scrollback filled: podgate's RSS
 *   before and after N PTY sessions each printed 10,500 lines and lost their client, read once
 *   it settled (podgate's idle GC had its turn); the same with podgate on jemalloc as the
 *   container image runs it, when libjemalloc is installed; and the screen mirror alone,
 *   measured in this process (heap and external memory after GC, 10,000 lines kept).
 * Not in the default run: `npm run bench -- --only sessions` (about two minutes).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ScreenMirror } from '../../src/sessions/screen-mirror.ts';
import type { Podgate } from '../../test/helpers/podgate.ts';
import type { BenchEnv } from '../lib/env.ts';
import { rssKiB, sleep } from '../lib/proc.ts';
import { ECHO_CMD, startTypist } from '../lib/pty-typist.ts';
import type { BenchContext, Row, ScenarioResult } from '../lib/result.ts';
import { median, percentile } from '../lib/stats.ts';
import { POD, sshTarget } from '../lib/targets.ts';

const LINES = 10_500;
/** jemalloc as the container image preloads it (Dockerfile). */
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
const JEMALLOC_ENV = { LD_PRELOAD: JEMALLOC, MALLOC_CONF: 'background_thread:true' };
const SESSIONS_PATCH = { sessions: { detachGraceSeconds: 600 }, limits: { maxSessionSeconds: 0, idleTimeoutSeconds: 0 } };
/** 66 columns: no line wraps at 80. */
const LINE_FORMAT = 'line %05g: the quick brown fox jumps over the lazy dog 0123456789';

/**
 * One typist through each podgate, typing in turns (key on one, key on the other, the order
 * alternating), so the machine's noise falls on both alike.
 */
async function typePaired(off: Podgate, on: Podgate, keys: number): Promise<{ off: number[]; on: number[]; failures: number }> {
  const argv = (pg: Podgate) => sshTarget('podgate', pg.port, pg.keyFor('alice'), `alice+${POD}`).argv(ECHO_CMD, { tty: true });
  const a = startTypist(argv(off));
  const b = startTypist(argv(on));
  const out = { off: [] as number[], on: [] as number[], failures: 0 };
  try {
    const [ra, rb] = await Promise.all([a.ready, b.ready]);
    if (!ra || !rb) return { ...out, failures: keys * 2 };
    for (let k = 0; k < keys; k++) {
      const turn: [typeof a, number[]][] = k % 2 === 0 ? [[a, out.off], [b, out.on]] : [[b, out.on], [a, out.off]];
      for (const [t, acc] of turn) {
        const ms = await t.key();
        if (Number.isNaN(ms)) out.failures++;
        else acc.push(ms);
        await sleep(2 + Math.random() * 4);
      }
    }
    return out;
  } finally {
    await Promise.all([a.kill(), b.kill()]);
  }
}

/** A PTY session printing LINES lines, then waiting; its client is killed once all arrived. */
async function detachedSession(pg: Podgate): Promise<boolean> {
  const argv = sshTarget('podgate', pg.port, pg.keyFor('alice'), `alice+${POD}`).argv(`seq -f '${LINE_FORMAT}' 1 ${LINES}; echo SEQ''DONE; exec sleep 3600`, { tty: true });
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
  let tail = '';
  const done = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 120_000);
    child.stdout.on('data', (d: Buffer) => {
      tail = (tail + d.toString()).slice(-64);
      if (tail.includes('SEQDONE')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('exit', () => resolve(false));
  });
  child.kill('SIGKILL');
  return done;
}

/** MB/s of `seq 1 N` under a PTY through `pg` (client output counted, 10^6 B/s). */
async function ptyMBps(pg: Podgate, n: number): Promise<number> {
  const argv = sshTarget('podgate', pg.port, pg.keyFor('alice'), `alice+${POD}`).argv(`seq 1 ${n}`, { tty: true });
  const t0 = performance.now();
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
  let bytes = 0;
  child.stdout.on('data', (d: Buffer) => { bytes += d.length; });
  const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
  return code === 0 ? bytes / 1e6 / ((performance.now() - t0) / 1000) : NaN;
}

/**
 * podgate's RSS once it settled after a batch: at least 12 s (its idle GC collects after 2 quiet
 * seconds, at most once per 10 s), then until it moved less than 256 KiB over 3 s, at most 25 s.
 */
async function settledRssKiB(pid: number): Promise<number> {
  const t0 = Date.now();
  const seen: number[] = [];
  for (;;) {
    await sleep(1000);
    seen.push(rssKiB(pid));
    const waited = Date.now() - t0;
    const last = seen.slice(-4);
    if (waited >= 25_000 || (waited >= 12_000 && last.length === 4 && Math.max(...last) - Math.min(...last) < 256)) return seen.at(-1)!;
  }
}

interface DetachedRss {
  rss0: number;
  rss1: number;
  rss2: number;
  ok: number;
  detached: number;
  /** RSS growth per session over both batches, and in the second one alone (the marginal cost). */
  perSessionKiB: number;
  marginalKiB: number;
}

/**
 * Two equal batches of `n` detached sessions: the first absorbs the heap growth that pushing
 * 10,500 lines through podgate causes once; the second's RSS growth is the marginal cost.
 */
async function detachedRss(pg: Podgate, n: number): Promise<DetachedRss> {
  await detachedSession(pg); // warm up: first-session code paths and buffers
  const rss0 = await settledRssKiB(pg.pid);
  let ok = 0;
  for (let i = 0; i < n; i++) if (await detachedSession(pg)) ok++;
  const rss1 = await settledRssKiB(pg.pid);
  for (let i = 0; i < n; i++) if (await detachedSession(pg)) ok++;
  const rss2 = await settledRssKiB(pg.pid);
  const detached = pg.logs().filter((l) => l['code'] === 'SESSION_DETACH').length;
  return { rss0, rss1, rss2, ok, detached, perSessionKiB: (rss2 - rss0) / Math.max(1, ok), marginalKiB: (rss2 - rss1) / Math.max(1, n) };
}

/**
 * Heap and external memory of one screen mirror holding 10,000 lines of scrollback (this
 * process, after GC), after one mirror was made and disposed: the code xterm.js compiles on first
 * use is not a session's. (`arrayBuffers` is part of `external`: counted once.)
 */
async function mirrorHeapKiB(count: number): Promise<number> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const line = (i: number): string => `line ${String(i).padStart(5, '0')}: the quick brown \x1b[1;32mfox\x1b[0m jumps over the lazy dog 0123456789\r\n`;
  let text = '';
  for (let i = 0; i < LINES; i++) text += line(i);
  // In 16 KiB pieces, as an exec stream delivers output (xterm.js sizes its parse buffer to a piece).
  const all = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let o = 0; o < all.length; o += 16_384) chunks.push(all.subarray(o, o + 16_384));
  const filled = async (): Promise<ScreenMirror> => {
    const m = new ScreenMirror({ cols: 80, rows: 24, scrollbackLines: 10_000 });
    for (const c of chunks) {
      m.write(c);
      await m.drained(); // paced: every line parsed (faster output would make it keep only a tail)
    }
    await m.snapshot();
    return m;
  };
  (await filled()).dispose();
  gc();
  gc();
  const before = process.memoryUsage();
  const mirrors: ScreenMirror[] = [];
  for (let i = 0; i < count; i++) mirrors.push(await filled());
  gc();
  gc();
  const after = process.memoryUsage();
  const kib = (after.heapUsed + after.external - before.heapUsed - before.external) / 1024 / count;
  for (const m of mirrors) m.dispose();
  return kib;
}

/**
 * CPU the screen mirror spends per keystroke echo (µs): one byte written and parsed, on a
 * mirror whose scrollback is full. On a loaded machine this is steadier than the echo's p99.
 * (It waited for the parsing with snapshots, and took an empty mirror's snapshots out; with a
 * compressed scrollback a full mirror's snapshot costs more than that, and is no keystroke's.)
 */
async function mirrorCpuUsPerKey(keys: number): Promise<number> {
  const m = new ScreenMirror({ cols: 80, rows: 24, scrollbackLines: 10_000 });
  for (let i = 0; i < LINES; i++) {
    m.write(Buffer.from(`line ${i}: the quick brown fox jumps over the lazy dog\r\n`));
    if (i % 100 === 99) await m.drained();
  }
  await m.parsed();
  const key = Buffer.from('a');
  const t0 = process.cpuUsage();
  for (let k = 0; k < keys; k++) {
    m.write(key);
    if (k % 100 === 99) await m.parsed(); // parse what is queued (as the event loop would)
  }
  await m.parsed();
  const d = process.cpuUsage(t0);
  m.dispose();
  return (d.user + d.system) / keys;
}

export async function sessions(env: BenchEnv, ctx: BenchContext): Promise<ScenarioResult[]> {
  const on = await env.startPodgate(SESSIONS_PATCH);
  try {
    const rounds = ctx.quick ? 1 : 4;
    const keys = ctx.quick ? 15 : Number(process.env.PODGATE_BENCH_SESSION_KEYS ?? 500);
    const off = { samples: [] as number[], failures: 0 };
    const mirrored = { samples: [] as number[], failures: 0 };
    for (let r = 0; r < rounds; r++) {
      const got = await typePaired(env.podgate, on, keys);
      off.samples.push(...got.off);
      mirrored.samples.push(...got.on);
      off.failures += got.failures;
    }
    const rows: Row[] = [off, mirrored].map((a) => ({ target: 'podgate', median: median(a.samples), p99: percentile(a.samples, 99), samples: a.samples.length, failures: a.failures }));
    const addedP50 = rows[1].median - rows[0].median;
    const addedP99 = rows[1].p99! - rows[0].p99!;
    ctx.log(`  sessions latency: off p50 ${rows[0].median.toFixed(2)} p99 ${rows[0].p99!.toFixed(2)}; on p50 ${rows[1].median.toFixed(2)} p99 ${rows[1].p99!.toFixed(2)} ms`);

    // Bulk PTY output: the mirror must not slow it (a flood keeps only its tail).
    const seqN = ctx.quick ? 200_000 : 3_000_000;
    const tp = { off: [] as number[], on: [] as number[] };
    for (let r = 0; r < (ctx.quick ? 1 : 3); r++) {
      tp.off.push(await ptyMBps(env.podgate, seqN));
      tp.on.push(await ptyMBps(on, seqN));
    }
    ctx.log(`  sessions PTY output (seq 1 ${seqN}): off ${tp.off.map((v) => v.toFixed(1)).join(', ')} MB/s; on ${tp.on.map((v) => v.toFixed(1)).join(', ')} MB/s`);

    const n = ctx.quick ? 2 : Number(process.env.PODGATE_BENCH_DETACHED ?? 20);
    const mem = await detachedRss(on, n);
    const { ok, detached, perSessionKiB, marginalKiB } = mem;
    const memLine = (m: DetachedRss): string => `${m.ok}/${2 * n} sessions filled, ${m.detached} detached; podgate RSS ${m.rss0} -> ${m.rss1} -> ${m.rss2} KiB (${m.perSessionKiB.toFixed(0)} KiB each on average, ${m.marginalKiB.toFixed(0)} KiB each in the second batch)`;
    ctx.log(`  sessions memory: ${memLine(mem)}`);
    // The same on jemalloc, as the container image runs podgate (reported, not judged).
    let je: DetachedRss | null = null;
    if (!ctx.quick && existsSync(JEMALLOC)) {
      await on.stop();
      const onJe = await env.startPodgate(SESSIONS_PATCH, undefined, JEMALLOC_ENV);
      try {
        je = await detachedRss(onJe, n);
      } finally {
        await onJe.stop();
      }
      ctx.log(`  sessions memory on jemalloc: ${memLine(je)}`);
    }
    const mirrorKiB = await mirrorHeapKiB(ctx.quick ? 2 : 10);
    const cpuUs = await mirrorCpuUsPerKey(ctx.quick ? 2000 : 20_000);
    ctx.log(`  sessions mirror CPU: ${cpuUs.toFixed(1)} µs per keystroke echo`);
    ctx.log(`  sessions mirror heap: ${mirrorKiB.toFixed(0)} KiB per mirror with 10,000 lines`);
    const common = { unit: 'ms', better: 'lower' as const, notes: [`${rounds} rounds of ${keys} keys each way, one session through each podgate typing in turns; ${ok} sessions of ${LINES} lines (two batches) then their client killed`] };
    return [{
      ...common, name: 'sessions-off', title: 'keystroke echo, sessions.detachGraceSeconds 0', rows: [rows[0]], extra: {}, goal: '(baseline of the next row)',
    }, {
      ...common, name: 'sessions-on', title: 'keystroke echo, sessions.detachGraceSeconds 600 (headless terminal)', rows: [rows[1]],
      extra: {
        addedP50Ms: addedP50, addedP99Ms: addedP99, detachedSessions: ok, detachedLogged: detached, rssPerDetachedSessionKiB: perSessionKiB, rssMarginalPerDetachedSessionKiB: marginalKiB, mirrorHeapPerSessionKiB: mirrorKiB, mirrorCpuUsPerKey: cpuUs, ptyOutputMBpsOff: median(tp.off), ptyOutputMBpsOn: median(tp.on),
        scrollbackLines: 10_000, rssKiB: [mem.rss0, mem.rss1, mem.rss2].join(' -> '),
        ...(je ? { jemallocRssMarginalPerDetachedSessionKiB: je.marginalKiB, jemallocRssPerDetachedSessionKiB: je.perSessionKiB, jemallocRssKiB: [je.rss0, je.rss1, je.rss2].join(' -> '), jemallocDetachedSessions: je.ok } : {}),
      },
      goal: 'added p99 < 1 ms; < 2 MiB per detached session with 10,000 lines of scrollback',
      // Sessions that did not fill their scrollback would make the memory figure look better than it is.
      goalMet: off.failures + mirrored.failures > 0 || ok < 2 * n ? false : addedP99 < 1 && marginalKiB < 2048 && mirrorKiB < 2048,
    }];
  } finally {
    await on.stop();
  }
}
