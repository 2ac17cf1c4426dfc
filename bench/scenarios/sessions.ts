/**
 * Sessions that outlive a connection (docs/sessions.md): what the headless terminal costs.
 * - Keystroke echo through podgate with `sessions.detachGraceSeconds` 0 (no screen mirror) and
 *   600 (every output byte also goes through the headless terminal), in alternating rounds of
 *   one session each on the same machine in the same run; the added p50/p99 is the mirror's.
 * - Memory per detached session with its 10,000 lines of scrollback filled: podgate's RSS
 *   before and after N PTY sessions each printed 10,500 lines and lost their client; and the
 *   screen mirror alone, measured in this process (heap after GC, 10,000 lines kept).
 * Not in the default run: `npm run bench -- --only sessions` (about two minutes).
 */
import { spawn } from 'node:child_process';
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
/** 66 columns: no line wraps at 80. */
const LINE_FORMAT = 'line %05g: the quick brown fox jumps over the lazy dog 0123456789';

async function typeKeys(pg: Podgate, keys: number): Promise<{ samples: number[]; failures: number }> {
  const t = startTypist(sshTarget('podgate', pg.port, pg.keyFor('alice'), `alice+${POD}`).argv(ECHO_CMD, { tty: true }));
  const samples: number[] = [];
  let failures = 0;
  try {
    if (!(await t.ready)) return { samples, failures: keys };
    for (let k = 0; k < keys; k++) {
      const ms = await t.key();
      if (Number.isNaN(ms)) failures++;
      else samples.push(ms);
      await sleep(2 + Math.random() * 6);
    }
    return { samples, failures };
  } finally {
    await t.kill();
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

/** Heap of one screen mirror holding 10,000 lines of scrollback (this process, after GC). */
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
  gc();
  gc();
  const before = process.memoryUsage();
  const mirrors: ScreenMirror[] = [];
  for (let i = 0; i < count; i++) {
    const m = new ScreenMirror({ cols: 80, rows: 24, scrollbackLines: 10_000 });
    for (const c of chunks) if (!m.write(c)) await m.drained();
    await m.snapshot();
    mirrors.push(m);
  }
  gc();
  gc();
  const after = process.memoryUsage();
  const kib = (after.heapUsed + after.external + after.arrayBuffers - before.heapUsed - before.external - before.arrayBuffers) / 1024 / count;
  for (const m of mirrors) m.dispose();
  return kib;
}

export async function sessions(env: BenchEnv, ctx: BenchContext): Promise<ScenarioResult[]> {
  const on = await env.startPodgate({ sessions: { detachGraceSeconds: 600 }, limits: { maxSessionSeconds: 0, idleTimeoutSeconds: 0 } });
  try {
    const rounds = ctx.quick ? 2 : 4;
    const keys = ctx.quick ? 15 : Number(process.env.PODGATE_BENCH_SESSION_KEYS ?? 500);
    const off = { samples: [] as number[], failures: 0 };
    const mirrored = { samples: [] as number[], failures: 0 };
    for (let r = 0; r < rounds; r++) {
      const order: [typeof off, Podgate][] = r % 2 === 0 ? [[off, env.podgate], [mirrored, on]] : [[mirrored, on], [off, env.podgate]];
      for (const [acc, pg] of order) {
        const got = await typeKeys(pg, keys);
        acc.samples.push(...got.samples);
        acc.failures += got.failures;
      }
    }
    const rows: Row[] = [off, mirrored].map((a) => ({ target: 'podgate', median: median(a.samples), p99: percentile(a.samples, 99), samples: a.samples.length, failures: a.failures }));
    const addedP50 = rows[1].median - rows[0].median;
    const addedP99 = rows[1].p99! - rows[0].p99!;
    ctx.log(`  sessions latency: off p50 ${rows[0].median.toFixed(2)} p99 ${rows[0].p99!.toFixed(2)}; on p50 ${rows[1].median.toFixed(2)} p99 ${rows[1].p99!.toFixed(2)} ms`);

    const n = ctx.quick ? 2 : Number(process.env.PODGATE_BENCH_DETACHED ?? 20);
    await detachedSession(on); // warm up: first-session code paths and buffers
    await sleep(3000);
    const rssBefore = rssKiB(on.pid);
    let ok = 0;
    for (let i = 0; i < n; i++) if (await detachedSession(on)) ok++;
    await sleep(5000); // the detaches and their reaps of nothing settle
    const detached = on.logs().filter((l) => l['code'] === 'SESSION_DETACH').length;
    const rssAfter = rssKiB(on.pid);
    const perSessionKiB = (rssAfter - rssBefore) / Math.max(1, ok);
    const mirrorKiB = await mirrorHeapKiB(ctx.quick ? 2 : 10);
    ctx.log(`  sessions memory: ${ok}/${n} sessions filled, ${detached} detached; podgate RSS ${rssBefore} -> ${rssAfter} KiB (${perSessionKiB.toFixed(0)} KiB each); mirror heap ${mirrorKiB.toFixed(0)} KiB`);
    const common = { unit: 'ms', better: 'lower' as const, notes: [`${rounds} alternating rounds of ${keys} keys, one session each; ${ok} sessions of ${LINES} lines then their client killed`] };
    return [{
      ...common, name: 'sessions-off', title: 'keystroke echo, sessions.detachGraceSeconds 0', rows: [rows[0]], extra: {}, goal: '(baseline of the next row)',
    }, {
      ...common, name: 'sessions-on', title: 'keystroke echo, sessions.detachGraceSeconds 600 (headless terminal)', rows: [rows[1]],
      extra: {
        addedP50Ms: addedP50, addedP99Ms: addedP99, detachedSessions: ok, rssPerDetachedSessionKiB: perSessionKiB, mirrorHeapPerSessionKiB: mirrorKiB,
        scrollbackLines: 10_000,
      },
      goal: 'added p99 < 1 ms; < 2 MiB per detached session with 10,000 lines of scrollback',
      goalMet: off.failures + mirrored.failures > 0 ? false : addedP99 < 1 && perSessionKiB < 2048 && mirrorKiB < 2048,
    }];
  } finally {
    await on.stop();
  }
}
