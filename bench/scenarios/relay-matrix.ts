/**
 * The relay matrix (`npm run bench -- --only relay-matrix`): podgate's CPU per GiB relayed for
 * each shape of exec stream an API server may send (frame size × TLS 1.3 cipher × write
 * splitting; bench/lib/stream-source.ts serves it from memory), beside the floor of the design
 * in the same run (a bare TLS + WebSocket reader written into the bare ssh2 server,
 * bench/lib/floor-relay.ts) and `kubectl exec` (Go) on the same source.
 *
 * Per podgate lifetime (PODGATE_BENCH_MATRIX_LIFETIMES, 3: a fresh `podgate serve` each, to
 * catch lifetimes that fall into a bad GC mode): a warm-up (PODGATE_BENCH_MATRIX_WARMUP bulk
 * transfers of the smallest size, 3, then a `true` session: V8 is still optimising the session
 * path during a process's first transfers, a one-time cost reported on its own), then per cell a `true` session and `ssh … 'head -c N /dev/zero' | wc -c` for each
 * size (PODGATE_BENCH_MATRIX_MIB, "64,256"), PODGATE_BENCH_MATRIX_RUNS times (1), podgate's
 * user+sys CPU read from /proc/PID/stat around each; the floor and kubectl move the largest
 * size once per cell and lifetime. Fixed cost per bulk transfer = CPU(smallest size) − its bytes
 * × the marginal rate between the smallest and largest size − CPU(`true`). podgate runs with
 * --trace-gc (bench/lib/cpu-prof-preload.mjs) so each run also counts its mark-compacts.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startPodgate, type Podgate } from '../../test/helpers/podgate.ts';
import { cpuSecondsFine, sh, shellLine, sleep } from '../lib/proc.ts';
import { median } from '../lib/stats.ts';
import { startStreamSource, type StreamShape, type Split } from '../lib/stream-source.ts';
import { startSsh2Bare } from '../lib/ssh2-bare.ts';
import { KUBECTL, POD, sshTarget, type Target } from '../lib/targets.ts';
import { PODGATE_BENCH_PATCH, type BenchEnv } from '../lib/env.ts';
import type { BenchContext, ScenarioResult } from '../lib/result.ts';

const CIPHERS: Record<string, string> = { aes128: 'TLS_AES_128_GCM_SHA256', aes256: 'TLS_AES_256_GCM_SHA384', chacha: 'TLS_CHACHA20_POLY1305_SHA256' };

interface Cell { key: string; shape: StreamShape }

function cells(quick: boolean): Cell[] {
  const list = (name: string, dflt: string): string[] => (process.env[name] ?? dflt).split(',').filter(Boolean);
  const ciphers = list('PODGATE_BENCH_MATRIX_CIPHERS', quick ? 'aes128' : 'aes128,aes256,chacha');
  const frames = list('PODGATE_BENCH_MATRIX_FRAMES', quick ? '16' : '4,16,32,64').map(Number);
  const splits = list('PODGATE_BENCH_MATRIX_SPLITS', 'whole,apiserver') as Split[];
  const out: Cell[] = [];
  for (const c of ciphers) {
    for (const split of splits) {
      // The apiserver's writes are at most 32 KiB whatever the kubelet sent: one cell.
      for (const f of split === 'apiserver' ? [32] : frames) out.push({ key: `${c}/${f}K/${split}`, shape: { frameKiB: f, split, cipher: CIPHERS[c] ?? c } });
    }
  }
  return out;
}

/** CPU seconds of `pid` spent while `run` ran (read after the session has ended). */
async function cpuOf(pid: number, run: () => Promise<boolean>): Promise<number> {
  const before = cpuSecondsFine(pid);
  const ok = await run();
  await sleep(200);
  return ok ? cpuSecondsFine(pid) - before : NaN;
}

interface Sample { cell: string; target: 'podgate' | 'floor' | 'kubectl'; mib: number; lifetime: number; cpu: number; mbps: number; markCompacts?: number; idleGcs?: number }

const HERE = dirname(new URL(import.meta.url).pathname);

/**
 * Mark-compacts in podgate's --trace-gc output so far (the bench tees its stdout to `file`), and
 * of those the ones podgate asked for itself (src/health/idle-gc.ts: V8 logs them as "testing").
 */
function gcCounts(file: string): { markCompacts: number; idle: number } {
  if (!existsSync(file)) return { markCompacts: 0, idle: 0 };
  const mc = readFileSync(file, 'utf8').match(/^.*Mark-Compact.*$/gm) ?? [];
  return { markCompacts: mc.length, idle: mc.filter((l) => l.includes('testing')).length };
}

async function transfer(t: Target, bytes: number): Promise<{ ok: boolean; ms: number }> {
  const r = await sh(`${shellLine(t.argv(bytes > 0 ? `head -c ${bytes} /dev/zero` : 'true'))} | wc -c`);
  return { ok: r.code === 0 && Number(r.stdout.trim()) === bytes, ms: r.ms };
}

/** kubectl's own CPU (GNU time), not the shell's or wc's. */
async function kubectlRun(kubeconfig: string, bytes: number): Promise<{ cpu: number; ms: number }> {
  const argv = ['/usr/bin/time', '-f', 'kubectl-cpu %U %S', KUBECTL, '--kubeconfig', kubeconfig, '-n', 'default', 'exec', POD, '--', 'sh', '-c', `head -c ${bytes} /dev/zero`];
  const r = await sh(`${shellLine(argv)} | wc -c`);
  const m = /kubectl-cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { cpu: r.code === 0 && m && Number(r.stdout.trim()) === bytes ? Number(m[1]) + Number(m[2]) : NaN, ms: r.ms };
}

/**
 * PODGATE_BENCH_MATRIX_BUILD=dist: podgate as the image runs it, the compiled JavaScript
 * (`npm run build` into dist/, then `node dist/main.js`), instead of the sources through tsx.
 */
async function podgateEntry(ctx: BenchContext): Promise<string | undefined> {
  if (process.env.PODGATE_BENCH_MATRIX_BUILD !== 'dist') return undefined;
  const root = join(HERE, '../..');
  const r = await sh(`cd ${shellLine([root])} && npm run -s build`);
  if (r.code !== 0) throw new Error(`npm run build failed: ${r.stderr || r.stdout}`);
  ctx.log('  podgate from dist/ (npm run build), as the image runs it');
  return join(root, 'dist/main.js');
}

const spread = (v: number[]): number => (v.length > 1 ? (Math.max(...v) - Math.min(...v)) / median(v) : 0);

/**
 * The spread between lifetimes of each lifetime's cheapest run: with PODGATE_BENCH_MATRIX_RUNS
 * above 1, what a lifetime costs without the host's bursts (noise only ever adds CPU time), i.e.
 * whether some lifetimes are worse than others, as the bad GC mode made them.
 */
function lifetimeSpread(v: Sample[]): number {
  const best = new Map<number, number>();
  for (const s of v) best.set(s.lifetime, Math.min(best.get(s.lifetime) ?? Infinity, s.cpu));
  return spread([...best.values()]);
}

export async function relayMatrix(env: BenchEnv, ctx: BenchContext): Promise<ScenarioResult[]> {
  const sizes = (process.env.PODGATE_BENCH_MATRIX_MIB ?? (ctx.quick ? '1,4' : '64,256')).split(',').map(Number).sort((a, b) => a - b);
  const lifetimes = Number(process.env.PODGATE_BENCH_MATRIX_LIFETIMES ?? (ctx.quick ? 1 : 3));
  const runs = Number(process.env.PODGATE_BENCH_MATRIX_RUNS ?? 1);
  const warmups = Math.max(1, Number(process.env.PODGATE_BENCH_MATRIX_WARMUP ?? 3));
  /** CPU-s/GiB of the warm-up transfers: [n-th transfer of a process][lifetime]. */
  const cold: number[][] = [];
  const big = sizes[sizes.length - 1];
  const entry = await podgateEntry(ctx);
  mkdirSync(join(HERE, '../results'), { recursive: true });
  const source = await startStreamSource({ dir: env.dir, upstreamKubeconfig: env.adminKubeconfig });
  const caFile = join(env.dir, 'source-ca.crt');
  writeFileSync(caFile, source.caPem);
  const adminKc = join(env.dir, 'source-admin.kubeconfig');
  source.writeKubeconfig(adminKc, { token: 'admin-token' });
  const floor = await startSsh2Bare(join(dirname(env.sshd.key), 'host_key'), `${env.sshd.key}.pub`, { url: source.url, caFile });
  const floorTarget = sshTarget('ssh2', floor.port, env.sshd.key, env.sshd.user);
  const samples: Sample[] = [];
  const trueCpu: Record<string, number[]> = {};
  const fixed: Record<string, number[]> = {};
  const all = cells(ctx.quick);
  try {
    for (let life = 1; life <= lifetimes; life++) {
      // --trace-gc (set by the preload; NODE_OPTIONS refuses it) to count mark-compacts per run.
      const gcFile = join(env.dir, `podgate-gc-${life}.log`);
      process.env.PODGATE_TEST_STDOUT_TEE = gcFile;
      const pg: Podgate = await startPodgate({
        emulator: source, configPatch: PODGATE_BENCH_PATCH, startTimeoutMs: 120_000, ...(entry ? { entry } : {}),
        env: { NODE_OPTIONS: `--import ${join(HERE, '../lib/cpu-prof-preload.mjs')}`, PODGATE_TRACE_GC: '1', ...(process.env.PODGATE_V8_FLAGS ? { PODGATE_V8_FLAGS: process.env.PODGATE_V8_FLAGS } : {}) },
      });
      delete process.env.PODGATE_TEST_STDOUT_TEE;
      try {
        const t = sshTarget('podgate', pg.port, pg.keyFor('alice'), `alice+${POD}`);
        source.configure(all[0].shape);
        for (let w = 0; w < warmups; w++) {
          const cpu = await cpuOf(pg.pid, async () => (await transfer(t, sizes[0] * 2 ** 20)).ok);
          (cold[w] ??= []).push(cpu / (sizes[0] / 1024));
        }
        await transfer(t, 0);
        if (life === 1) await transfer(floorTarget, sizes[0] * 2 ** 20);
        // What podgate spends outside the measured sessions (idle collections, timers).
        const lifeCpu0 = cpuSecondsFine(pg.pid);
        const idle0 = gcCounts(gcFile).idle;
        let measured = 0;
        for (const cell of all) {
          source.configure(cell.shape);
          const byMib: Record<number, number> = {};
          for (let r = 0; r < runs; r++) {
            (trueCpu[cell.key] ??= []).push(await cpuOf(pg.pid, async () => (await transfer(t, 0)).ok));
            measured += trueCpu[cell.key].at(-1)!;
            for (const mib of sizes) {
              let ms = 0;
              const gc0 = gcCounts(gcFile);
              const cpu = await cpuOf(pg.pid, async () => { const x = await transfer(t, mib * 2 ** 20); ms = x.ms; return x.ok; });
              byMib[mib] = cpu;
              measured += cpu;
              const gc1 = gcCounts(gcFile);
              samples.push({ cell: cell.key, target: 'podgate', mib, lifetime: life, cpu: cpu / (mib / 1024), mbps: mib * 2 ** 20 / 1e3 / ms, markCompacts: gc1.markCompacts - gc0.markCompacts, idleGcs: gc1.idle - gc0.idle });
            }
            if (sizes.length > 1) {
              const small = sizes[0];
              const rate = (byMib[big] - byMib[small]) / (big - small);
              (fixed[cell.key] ??= []).push(byMib[small] - rate * small - trueCpu[cell.key].at(-1)!);
            }
          }
          let fms = 0;
          const fcpu = await cpuOf(floor.pid, async () => { const x = await transfer(floorTarget, big * 2 ** 20); fms = x.ms; return x.ok; });
          samples.push({ cell: cell.key, target: 'floor', mib: big, lifetime: life, cpu: fcpu / (big / 1024), mbps: big * 2 ** 20 / 1e3 / fms });
          const k = await kubectlRun(adminKc, big * 2 ** 20);
          samples.push({ cell: cell.key, target: 'kubectl', mib: big, lifetime: life, cpu: k.cpu / (big / 1024), mbps: big * 2 ** 20 / 1e3 / k.ms });
          const last = samples.filter((s) => s.cell === cell.key && s.lifetime === life);
          ctx.log(`  life ${life} ${cell.key} (${source.lastCipher()}): ${last.map((s) => `${s.target}@${s.mib}M ${s.cpu.toFixed(2)} CPU-s/GiB ${s.mbps.toFixed(0)} MB/s${s.markCompacts !== undefined ? ` ${s.markCompacts} MC${s.idleGcs ? ` (${s.idleGcs} idle GC)` : ''}` : ''}`).join(', ')}; true ${trueCpu[cell.key].at(-1)!.toFixed(3)} s`);
        }
        const outside = cpuSecondsFine(pg.pid) - lifeCpu0 - measured;
        ctx.log(`  life ${life}: podgate CPU outside the measured sessions ${outside.toFixed(3)} s (idle collections: ${gcCounts(gcFile).idle - idle0})`);
      } finally {
        await pg.stop();
        // The GC trace (with podgate's log lines between) stays for a look at what ran when.
        if (existsSync(gcFile)) copyFileSync(gcFile, join(HERE, '../results', `relay-matrix-gc-${life}.log`));
      }
    }
  } finally {
    await floor.stop();
    await source.close();
  }
  const results = summarize(all, sizes, samples, trueCpu, fixed, ctx);
  // A process's first transfers, against the same size in the first cell once warm.
  const warm = median(samples.filter((x) => x.cell === all[0].key && x.target === 'podgate' && x.mib === sizes[0]).map((x) => x.cpu));
  const coldMed = cold.map((v) => median(v));
  const once = coldMed.reduce((a, v) => a + (v - warm) * (sizes[0] / 1024), 0);
  ctx.log(`  process warm-up (${all[0].key}, ${sizes[0]} MiB each): ${coldMed.map((v, i) => `transfer ${i + 1} ${v.toFixed(2)}`).join(', ')} CPU-s/GiB (medians over ${lifetimes} lifetimes; warm ${warm.toFixed(2)}): ${once.toFixed(3)} CPU-s once per process`);
  results[0].extra = { ...results[0].extra, coldCpuPerGiB: coldMed.map((v) => v.toFixed(2)).join(' '), warmUpOnceSec: once };
  return results;
}

function summarize(all: Cell[], sizes: number[], samples: Sample[], trueCpu: Record<string, number[]>, fixed: Record<string, number[]>, ctx: BenchContext): ScenarioResult[] {
  const big = sizes[sizes.length - 1];
  const pick = (cell: string, target: Sample['target'], mib: number): Sample[] => samples.filter((s) => s.cell === cell && s.target === target && s.mib === mib && Number.isFinite(s.cpu));
  const md = ['| cell | ' + sizes.map((m) => `podgate ${m} MiB (spread)`).join(' | ') + ' | floor | kubectl | pg/floor | fixed cost s | `true` s | MB/s pg / kubectl |', `|${'---|'.repeat(sizes.length + 7)}`];
  const results: ScenarioResult[] = [];
  for (const c of all) {
    const pgBig = pick(c.key, 'podgate', big);
    const fl = pick(c.key, 'floor', big);
    const kc = pick(c.key, 'kubectl', big);
    const pgMed = median(pgBig.map((s) => s.cpu));
    const flMed = median(fl.map((s) => s.cpu));
    const worst = Math.max(...sizes.map((m) => median(pick(c.key, 'podgate', m).map((s) => s.cpu))));
    const fixedMed = median(fixed[c.key] ?? []);
    const ratio = median(pgBig.map((s) => s.mbps)) / median(kc.map((s) => s.mbps));
    md.push(`| ${c.key} | ${sizes.map((m) => { const v = pick(c.key, 'podgate', m).map((s) => s.cpu); return `${median(v).toFixed(2)} (${(spread(v) * 100).toFixed(0)} %)`; }).join(' | ')} | ${flMed.toFixed(2)} | ${median(kc.map((s) => s.cpu)).toFixed(2)} | ${(pgMed / flMed).toFixed(2)} | ${fixedMed.toFixed(3)} | ${median(trueCpu[c.key] ?? []).toFixed(3)} | ${median(pgBig.map((s) => s.mbps)).toFixed(0)} / ${median(kc.map((s) => s.mbps)).toFixed(0)} (${ratio.toFixed(2)}) |`);
    const row = (target: 'podgate' | 'ssh2' | 'direct', v: Sample[]) => ({ target, median: median(v.map((s) => s.cpu)), p99: Math.max(...v.map((s) => s.cpu)), samples: v.length, failures: 0 });
    results.push({
      name: `relay-matrix ${c.key}`,
      title: `relay CPU ${c.key}, head -c ${big}M (direct = kubectl, ssh2 = floor)`,
      unit: 'CPU-s/GiB', better: 'lower',
      rows: [row('podgate', pgBig), row('direct', kc), row('ssh2', fl)],
      extra: {
        ...Object.fromEntries(sizes.map((m) => [`podgate${m}MiB`, median(pick(c.key, 'podgate', m).map((s) => s.cpu))])),
        ...Object.fromEntries(sizes.map((m) => [`spread${m}MiB`, spread(pick(c.key, 'podgate', m).map((s) => s.cpu))])),
        ...Object.fromEntries(sizes.map((m) => [`lifetimeSpread${m}MiB`, lifetimeSpread(pick(c.key, 'podgate', m))])),
        floorSpread: spread(fl.map((s) => s.cpu)), kubectlSpread: spread(kc.map((s) => s.cpu)),
        fixedCostSec: fixedMed, trueSessionSec: median(trueCpu[c.key] ?? []), podgateVsFloor: pgMed / flMed, mbpsVsKubectl: ratio,
        perLifetime: pgBig.map((s) => `${s.lifetime}:${s.cpu.toFixed(2)}`).join(' '),
        markCompactsPerRun: pick(c.key, 'podgate', big).map((s) => s.markCompacts ?? NaN).join(' '),
      },
      goal: '<= 3.0 CPU-s/GiB at every size, <= 1.3x floor, fixed < 0.05 s',
      goalMet: worst <= 3 && pgMed <= 1.3 * flMed && fixedMed < 0.05,
      notes: [],
    });
  }
  ctx.log(`\n${md.join('\n')}\n`);
  // The references' own run-to-run spread in the same run: what the box does to any relay.
  const sp = ['| cell | podgate ' + sizes.map((m) => `${m} MiB`).join(' / ') + ' | podgate, cheapest run per lifetime | floor | kubectl |', '|---|---|---|---|---|'];
  for (const c of all) {
    const pct = (x: number): string => `${(x * 100).toFixed(0)} %`;
    sp.push(`| ${c.key} | ${sizes.map((m) => pct(spread(pick(c.key, 'podgate', m).map((x) => x.cpu)))).join(' / ')} | ${sizes.map((m) => pct(lifetimeSpread(pick(c.key, 'podgate', m)))).join(' / ')} | ${pct(spread(pick(c.key, 'floor', big).map((x) => x.cpu)))} | ${pct(spread(pick(c.key, 'kubectl', big).map((x) => x.cpu)))} |`);
  }
  ctx.log(`spread, (max − min) / median over all runs:\n${sp.join('\n')}\n`);
  return results;
}
