/**
 * Profiles podgate (V8 CPU profiler, like --cpu-prof) while it carries one bench workload, then prints the
 * functions with the most self time (and by script file).
 *
 *   node --import tsx bench/profile.ts [out-zero|out-random|in] [MiB] [runs]
 *
 * The .cpuprofile is kept under bench/results/ (open it in Chrome DevTools or speedscope for a
 * flame graph).
 */
import { mkdirSync, readdirSync, readFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchEnv } from './lib/env.ts';
import { sh, shellLine } from './lib/proc.ts';
import { summarizeProfile, type CpuProfile } from './lib/cpuprofile.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const kind = process.argv[2] ?? 'out-zero';
const mib = Number(process.argv[3] ?? 512);
const runs = Number(process.argv[4] ?? 2);
const profDir = join(HERE, 'results', `prof-${Date.now()}`);
mkdirSync(profDir, { recursive: true });

const env = await startBenchEnv({ podgateEnv: { NODE_OPTIONS: `--import ${join(HERE, "lib/cpu-prof-preload.mjs")}`, PODGATE_CPU_PROF_DIR: profDir } });
try {
  const bytes = mib * 1024 * 1024;
  const t = env.targets.podgate;
  for (let i = 0; i < runs; i++) {
    const line = kind === 'in'
      ? `head -c ${bytes} /dev/zero | ${shellLine(t.argv('cat >/dev/null', { stdin: true }))}`
      : `${shellLine(t.argv(kind === 'out-zero' ? `head -c ${bytes} /dev/zero` : 'cat /tmp/podgate-bench-random.bin'))} | wc -c`;
    const r = await sh(line);
    process.stderr.write(`${kind} run ${i + 1}: exit ${r.code}, ${(r.ms / 1000).toFixed(2)} s, ${r.stdout.trim()} bytes\n`);
  }
} finally {
  await env.close();
}
const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
for (const f of files) {
  process.stdout.write(`\n== ${join(profDir, f)}\n${summarizeProfile(JSON.parse(readFileSync(join(profDir, f), 'utf8')) as CpuProfile, 30)}\n`);
  copyFileSync(join(profDir, f), join(HERE, 'results', `podgate-${kind}.cpuprofile`));
}
