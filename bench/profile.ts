/**
 * Profiles podgate (V8 CPU profiler, like --cpu-prof) while it carries one bench workload, then prints the
 * functions with the most self time (and by script file).
 *
 *   node --import tsx bench/profile.ts [out-zero|out-random|in|source] [MiB] [runs]
 *
 * `source` reads from the relay matrix's stream source (bench/lib/stream-source.ts) instead of
 * the emulator, shaped by PODGATE_PROFILE_SHAPE (`aes256/64K/whole`, the default, or e.g.
 * `aes128/32K/apiserver`), after a 64 MiB warm-up, and prints podgate's CPU-s/GiB per run.
 * PODGATE_PROFILE_GC=1 also runs podgate with --trace-gc and counts its scavenges and
 * mark-compacts per run (the raw trace is kept beside the profile); PODGATE_PROFILE_NODE_OPTIONS
 * adds node options to podgate's (e.g. `--max-semi-space-size=1`), PODGATE_V8_FLAGS V8 flags set
 * at its start (those NODE_OPTIONS refuses).
 *
 * The .cpuprofile is kept under bench/results/ (open it in Chrome DevTools or speedscope for a
 * flame graph).
 */
import { mkdirSync, readdirSync, readFileSync, copyFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PODGATE_BENCH_PATCH, startBenchEnv } from './lib/env.ts';
import { cpuSecondsFine as cpuSeconds, sh, shellLine, sleep } from './lib/proc.ts';
import { summarizeProfile, type CpuProfile } from './lib/cpuprofile.ts';
import { startStreamSource, type Split } from './lib/stream-source.ts';
import { startPodgate } from '../test/helpers/podgate.ts';
import { POD, sshTarget, type Target } from './lib/targets.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const kind = process.argv[2] ?? 'out-zero';
const mib = Number(process.argv[3] ?? 512);
const runs = Number(process.argv[4] ?? 2);
const profDir = join(HERE, 'results', `prof-${Date.now()}`);
mkdirSync(profDir, { recursive: true });
const gcLog = join(profDir, 'trace-gc.log');
const traceGc = process.env.PODGATE_PROFILE_GC === '1';
const podgateEnv = {
  NODE_OPTIONS: `--import ${join(HERE, 'lib/cpu-prof-preload.mjs')} ${process.env.PODGATE_PROFILE_NODE_OPTIONS ?? ''}`.trim(),
  PODGATE_CPU_PROF_DIR: profDir,
  ...(traceGc ? { PODGATE_TRACE_GC: '1' } : {}),
  ...(process.env.PODGATE_V8_FLAGS ? { PODGATE_V8_FLAGS: process.env.PODGATE_V8_FLAGS } : {}),
};
if (traceGc) process.env.PODGATE_TEST_STDOUT_TEE = gcLog;

const CIPHERS: Record<string, string> = { aes128: 'TLS_AES_128_GCM_SHA256', aes256: 'TLS_AES_256_GCM_SHA384', chacha: 'TLS_CHACHA20_POLY1305_SHA256' };

/** Scavenges and mark-compacts in the GC trace so far. */
function gcCounts(): { scavenge: number; markCompact: number } {
  const text = existsSync(gcLog) ? readFileSync(gcLog, 'utf8') : '';
  return { scavenge: (text.match(/Scavenge/g) ?? []).length, markCompact: (text.match(/Mark-Compact/g) ?? []).length };
}

async function runAll(t: Target, pid: number | null): Promise<void> {
  const bytes = mib * 1024 * 1024;
  for (let i = 0; i < runs; i++) {
    const line = kind === 'in'
      ? `head -c ${bytes} /dev/zero | ${shellLine(t.argv('cat >/dev/null', { stdin: true }))}`
      : `${shellLine(t.argv(kind === 'out-random' ? 'cat /tmp/podgate-bench-random.bin' : `head -c ${bytes} /dev/zero`))} | wc -c`;
    const cpu0 = pid ? cpuSeconds(pid) : NaN;
    const gc0 = gcCounts();
    const r = await sh(line);
    await sleep(200);
    const gc1 = gcCounts();
    const cpu = pid ? ` podgate ${((cpuSeconds(pid) - cpu0) / (mib / 1024)).toFixed(2)} CPU-s/GiB` : '';
    const gc = traceGc ? `, ${gc1.scavenge - gc0.scavenge} scavenges, ${gc1.markCompact - gc0.markCompact} mark-compacts` : '';
    process.stderr.write(`${kind} run ${i + 1}: exit ${r.code}, ${(r.ms / 1000).toFixed(2)} s, ${r.stdout.trim()} bytes${cpu}${gc}\n`);
  }
}

if (kind === 'source') {
  const env = await startBenchEnv({ peers: false });
  const [c, f, split] = (process.env.PODGATE_PROFILE_SHAPE ?? 'aes256/64K/whole').split('/');
  const source = await startStreamSource({ dir: env.dir, upstreamKubeconfig: env.adminKubeconfig });
  source.configure({ cipher: CIPHERS[c] ?? c, frameKiB: parseInt(f, 10), split: split as Split });
  try {
    const pg = await startPodgate({ emulator: source, configPatch: PODGATE_BENCH_PATCH, startTimeoutMs: 120_000, env: podgateEnv });
    try {
      const t = sshTarget('podgate', pg.port, pg.keyFor('alice'), `alice+${POD}`);
      await sh(`${shellLine(t.argv(`head -c ${64 * 2 ** 20} /dev/zero`))} | wc -c`);
      await runAll(t, pg.pid);
    } finally {
      await pg.stop();
    }
  } finally {
    await source.close();
    await env.close();
  }
} else {
  const env = await startBenchEnv({ podgateEnv });
  try {
    await runAll(env.targets.podgate, env.podgate.pid);
  } finally {
    await env.close();
  }
}
const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
for (const f of files) {
  process.stdout.write(`\n== ${join(profDir, f)}\n${summarizeProfile(JSON.parse(readFileSync(join(profDir, f), 'utf8')) as CpuProfile, 30)}\n`);
  copyFileSync(join(profDir, f), join(HERE, 'results', `podgate-${kind}.cpuprofile`));
}
