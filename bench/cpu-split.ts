/**
 * Where the CPU goes during one transfer: CPU seconds of the emulator (with its container
 * processes), podgate, and the client, per target, for the same workload.
 *
 *   node --import tsx bench/cpu-split.ts [out-zero|out-random|in] [MiB] [runs]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { startBenchEnv } from './lib/env.ts';
import { sh, shellLine } from './lib/proc.ts';
import { TARGETS } from './lib/targets.ts';
import { RANDOM_FILE } from './scenarios/throughput.ts';

const kind = process.argv[2] ?? 'out-zero';
const mib = Number(process.argv[3] ?? 256);
const runs = Number(process.argv[4] ?? 3);
const TCK = 100;

/** utime+stime (self) and cutime+cstime (reaped children) of a pid, in seconds. */
function cpu(pid: number): { self: number; children: number } {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { self: (Number(f[11]) + Number(f[12])) / TCK, children: (Number(f[13]) + Number(f[14])) / TCK };
  } catch { return { self: 0, children: 0 }; }
}
function totalCpu(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]!) / TCK; // user nice system irq softirq
}
function sshdCpu(): number {
  let t = 0;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try { if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sshd') t += cpu(Number(p)).self + cpu(Number(p)).children; } catch { /* gone */ }
  }
  return t;
}

const extra = process.env.PODGATE_BENCH_NODE_OPTIONS;
const env = await startBenchEnv(extra ? { podgateEnv: { NODE_OPTIONS: extra } } : {});
try {
  const bytes = mib * 1024 * 1024;
  for (let r = 0; r < runs; r++) {
    for (const t of TARGETS) {
      const target = env.targets[t];
      const line = kind === 'in'
        ? `head -c ${bytes} /dev/zero | /usr/bin/time -f '%U %S' ${shellLine(target.argv('cat >/dev/null; echo ok', { stdin: true }))}`
        : `/usr/bin/time -f '%U %S' ${shellLine(target.argv(kind === 'out-zero' ? `head -c ${bytes} /dev/zero` : `cat ${RANDOM_FILE}`))} | wc -c`;
      const e0 = cpu(env.emulatorPid); const p0 = cpu(env.podgate.pid); const s0 = sshdCpu(); const T0 = totalCpu();
      const res = await sh(line);
      const e1 = cpu(env.emulatorPid); const p1 = cpu(env.podgate.pid); const s1 = sshdCpu(); const T1 = totalCpu();
      const [u, s] = (res.stderr.trim().split('\n').pop() ?? '0 0').split(' ').map(Number);
      const sec = res.ms / 1000;
      process.stdout.write(`${kind} ${t.padEnd(8)} ${(bytes / 1e6 / sec).toFixed(0).padStart(4)} MB/s wall ${sec.toFixed(2)}s | emu ${(e1.self - e0.self).toFixed(2)} emu-children ${(e1.children - e0.children).toFixed(2)} podgate ${(p1.self - p0.self).toFixed(2)} sshd ${(s1 - s0).toFixed(2)} client ${(u! + s!).toFixed(2)} | box ${(T1 - T0).toFixed(2)} of ${(2 * sec).toFixed(2)}\n`);
    }
  }
} finally {
  await env.close();
}
