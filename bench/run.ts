/**
 * `npm run bench`: podgate side by side with direct `kubectl exec` (v5 WebSocket) to the same
 * emulator pod and with a throwaway OpenSSH sshd on loopback, same client, same cipher
 * (aes128-gcm@openssh.com for both ssh paths), same command; throughput also runs a bare ssh2
 * server (the ceiling: podgate's SSH library, no Kubernetes hop). Prints a table and writes
 * bench/results/latest.json.
 *
 *   node --import tsx bench/run.ts [--quick] [--only NAME[,NAME...]] [--extras]
 *
 * Scenarios: throughput-out, throughput-in, setup, latency-1, latency-many, backpressure, scale, preauth;
 * `hostile` (issue #13's memory attacks) and `sessions` (the headless terminal's latency and
 * memory per detached session) run only when named with --only.
 * --extras also runs the area benches that exist next to this file (bench/sftp-*.ts,
 * bench/forward-*.ts) as child processes, after the main table (size: 8 MiB with --quick, else
 * $PODGATE_BENCH_EXTRA_MIB or their own default).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { startBenchEnv } from './lib/env.ts';
import { markdownTable, tableRows, textTable } from './lib/table.ts';
import type { BenchContext, ScenarioResult } from './lib/result.ts';
import { CIPHER, KEX, KUBECTL, POD } from './lib/targets.ts';
import type { BenchEnv } from './lib/env.ts';
import { throughputIn, throughputOut } from './scenarios/throughput.ts';
import { setup } from './scenarios/setup.ts';
import { latency1, latencyMany } from './scenarios/latency.ts';
import { scale } from './scenarios/scale.ts';
import { backpressure } from './scenarios/backpressure.ts';
import { preauth } from './scenarios/preauth.ts';
import { hostile } from './scenarios/hostile.ts';
import { sessions } from './scenarios/sessions.ts';
import { rssKiB } from './lib/proc.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

type Scenario = (env: BenchEnv, ctx: BenchContext) => Promise<ScenarioResult[]>;
export const SCENARIOS: Record<string, Scenario> = {
  'throughput-out': throughputOut,
  'throughput-in': throughputIn,
  setup,
  'latency-1': latency1,
  'latency-many': latencyMany,
  backpressure,
  scale,
  preauth,
  // Not in the default run (minutes, and it loads the machine): `--only hostile`.
  hostile,
  // Not in the default run (about two minutes): `--only sessions`.
  sessions,
};

/** Scenarios that run only when named with --only. */
const OPT_IN = new Set(['hostile', 'sessions']);

interface Args { quick: boolean; only: string[] | null; extras: boolean; out: string }

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, only: null, extras: false, out: join(HERE, 'results/latest.json') };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--quick') a.quick = true;
    else if (v === '--extras') a.extras = true;
    else if (v === '--only') a.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (v.startsWith('--only=')) a.only = v.slice(7).split(',').filter(Boolean);
    else if (v === '--out') a.out = argv[++i]!;
    else throw new Error(`unknown argument ${v} (use --quick, --only NAME[,NAME], --extras, --out FILE)`);
  }
  for (const n of a.only ?? []) if (!SCENARIOS[n]) throw new Error(`unknown scenario ${n}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  return a;
}

function machine(): Record<string, string | number> {
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? '?';
  const ver = (cmd: string, args: string[]): string => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '?';
  };
  return {
    nproc: cpus().length, cpu: model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version,
    ssh: ver('ssh', ['-V']), kubectl: ver(KUBECTL, ['version', '--client']), cipher: CIPHER, kex: KEX, pod: POD,
  };
}

export async function main(argv: string[]): Promise<ScenarioResult[]> {
  const args = parseArgs(argv);
  const log = (m: string): void => { process.stderr.write(`${m}\n`); };
  const names = args.only ?? Object.keys(SCENARIOS).filter((n) => !OPT_IN.has(n));
  const info = machine();
  log(`podgate bench ${new Date().toISOString()} ${args.quick ? '(quick)' : ''}: ${names.join(', ')}`);
  log(`machine: ${JSON.stringify(info)}`);
  // hostile measures podgate alone: no sshd or bare ssh2 server to start.
  const env = await startBenchEnv({ peers: names.some((n) => !OPT_IN.has(n)) });
  const results: ScenarioResult[] = [];
  const started = new Date().toISOString();
  try {
    log(`podgate pid ${env.podgate.pid} port ${env.podgate.port}, sshd port ${env.sshd.port}, emulator pid ${env.emulatorPid}; podgate RSS ${rssKiB(env.podgate.pid)} KiB`);
    for (const n of names) {
      log(`== ${n}`);
      const t0 = performance.now();
      try {
        results.push(...(await SCENARIOS[n](env, { quick: args.quick, log })));
      } catch (e) {
        log(`  ${n} failed: ${(e as Error).stack ?? String(e)}`);
      }
      log(`  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await env.close();
  }
  const rows = tableRows(results);
  process.stdout.write(`\n${textTable(rows)}\n\n`);
  for (const r of results) {
    const extra = Object.entries(r.extra).map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toFixed(3)) : v}`).join(' ');
    process.stdout.write(`${r.name}: ${extra}${r.notes.length ? ` | ${r.notes.join('; ')}` : ''}\n`);
  }
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify({ started, finished: new Date().toISOString(), quick: args.quick, machine: info, command: `npm run bench -- ${argv.join(' ')}`.trim(), results, markdown: markdownTable(rows) }, null, 2)}\n`);
  process.stdout.write(`wrote ${args.out}\n`);
  if (args.extras) runExtras(log, args.quick ? '8' : process.env.PODGATE_BENCH_EXTRA_MIB);
  return results;
}

/** The area benches take the size in MiB as their first argument (their own default otherwise). */
function runExtras(log: (m: string) => void, mib: string | undefined): void {
  for (const f of readdirSync(HERE).filter((n) => /^(sftp|forward)-.*\.ts$/.test(n) && !n.endsWith('.test.ts')).sort()) {
    log(`== extra: ${f}`);
    spawnSync(process.execPath, ['--import', 'tsx', join(HERE, f), ...(mib ? [mib] : [])], { stdio: 'inherit', cwd: join(HERE, '..') });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(() => { process.exitCode = 0; }, (e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
