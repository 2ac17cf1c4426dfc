/**
 * sftp/scp throughput through podgate (issue #9), side by side with what it is built on:
 *   - `kubectl exec -i … cat` to the same pod (the direct exec stream; the goal is ≥ 80 % of it)
 *   - OpenSSH's own sftp-server on loopback (`sftp -D`, no SSH transport: the ceiling)
 * Runs the emulator and two podgates (auto: container sftp-server when present; builtin:
 * podgate's SFTP over exec). Usage: node --import tsx bench/sftp-throughput.ts [MiB]
 * PODGATE_BENCH_RUNS=N: median of N runs per row; PODGATE_BENCH_SSH=1: also podgate's own exec
 * stream (`ssh … cat`), the ceiling SFTP through podgate rides on.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator/index.ts';
import { startPodgate, type Podgate } from '../test/helpers/podgate.ts';

const MIB = Number(process.argv[2] ?? 256);
const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
// OpenSSH prefers chacha20-poly1305, ssh2's slowest cipher (notes/ssh2-server.md §2); PODGATE_BENCH_CIPHER=default keeps the client's choice.
const CIPHER = process.env.PODGATE_BENCH_CIPHER ?? 'aes128-gcm@openssh.com';

function sh(cmd: string, args: string[], opts: { stdin?: string; stdout?: string; cwd?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const stdin = opts.stdin ? openSync(opts.stdin, 'r') : 'ignore';
    const stdout = opts.stdout ? openSync(opts.stdout, 'w') : 'ignore';
    const child = spawn(cmd, args, { stdio: [stdin, stdout, 'pipe'], cwd: opts.cwd });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (typeof stdin === 'number') closeSync(stdin);
      if (typeof stdout === 'number') closeSync(stdout);
      if (code === 0) resolve(); else reject(new Error(`${cmd} exited ${code}: ${err}`));
    });
  });
}

/** Runs per row (PODGATE_BENCH_RUNS, default 1): the row reports the median. */
const RUNS = Math.max(1, Number(process.env.PODGATE_BENCH_RUNS ?? 1));

async function timed(label: string, fn: () => Promise<void>): Promise<number> {
  const all: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    const s = (performance.now() - t0) / 1000;
    all.push((MIB * 1.048576) / s);
  }
  const sorted = [...all].sort((a, b) => a - b);
  const mbps = sorted[Math.floor((sorted.length - 1) / 2)];
  const secs = (MIB * 1.048576) / mbps;
  const each = RUNS > 1 ? `  (median of ${RUNS}: ${all.map((v) => v.toFixed(0)).join(', ')})` : '';
  console.log(`${label.padEnd(58)} ${secs.toFixed(2).padStart(7)} s ${mbps.toFixed(0).padStart(5)} MB/s${each}`);
  return mbps;
}

const dir = mkdtempSync(join(tmpdir(), 'podgate-bench-'));
const src = join(dir, 'src.bin');
writeFileSync(src, randomBytes(MIB * 1024 * 1024));
const emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
const kubeconfig = join(dir, 'kubeconfig');
emu.writeKubeconfig(kubeconfig, { token: 'admin-token' });
let auto: Podgate | null = null;
let builtin: Podgate | null = null;
try {
  [auto, builtin] = await Promise.all([startPodgate({ emulator: emu }), startPodgate({ emulator: emu, configPatch: { files: { sftpMode: 'builtin' } } })]);
  const o = (pg: Podgate): string[] => ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-i', pg.keyFor('alice'), '-P', String(pg.port), ...(CIPHER === 'default' ? [] : ['-c', CIPHER])];
  console.log(`file: ${MIB} MiB random; scp cipher ${CIPHER}; ${new Date().toISOString()}`);
  const rows: Record<string, number> = {};
  const target = (pod: string): string => (pod === 'tiny' ? 'alice+tiny.prod@127.0.0.1' : `alice+${pod}@127.0.0.1`);
  for (const [pod, ns] of [['tiny', 'prod'], ['web-7d9f', 'default']] as const) {
    const k = ['--kubeconfig', kubeconfig, '-n', ns, 'exec'];
    rows[`${pod} kubectl up`] = await timed(`kubectl exec -i ${pod} -- sh -c 'cat > f'`, () => sh(KUBECTL, [...k, '-i', pod, '--', 'sh', '-c', 'cat > /tmp/bench-k.bin'], { stdin: src }));
    rows[`${pod} kubectl down`] = await timed(`kubectl exec ${pod} -- cat f`, () => sh(KUBECTL, [...k, pod, '--', 'cat', '/tmp/bench-k.bin'], { stdout: join(dir, 'k.down') }));
  }
  const so = (pg: Podgate): string[] => o(pg).map((a) => (a === '-P' ? '-p' : a));
  // PODGATE_BENCH_SSH=1 adds the bastion's own exec stream (`ssh … cat`) as a row.
  for (const pod of process.env.PODGATE_BENCH_SSH === '1' ? ['tiny', 'web-7d9f'] : []) {
    rows[`${pod} ssh up`] = await timed(`ssh ${pod} 'cat > f' < file (podgate exec stream)`, () => sh('ssh', [...so(auto!), target(pod), 'cat > /tmp/bench-e.bin'], { stdin: src }));
    rows[`${pod} ssh down`] = await timed(`ssh ${pod} cat f > file (podgate exec stream)`, () => sh('ssh', [...so(auto!), target(pod), 'cat /tmp/bench-e.bin'], { stdout: join(dir, 'e.down') }));
  }
  for (const [label, pg, pod] of [
    ['podgate builtin SFTP, busybox pod tiny', builtin, 'tiny'],
    ['podgate builtin SFTP, debian pod web-7d9f', builtin, 'web-7d9f'],
    ['podgate -> container sftp-server, web-7d9f', auto, 'web-7d9f'],
  ] as const) {
    rows[`${label} up`] = await timed(`scp up   (${label})`, () => sh('scp', [...o(pg), '-q', src, `${target(pod)}:/tmp/bench-s.bin`]));
    rows[`${label} down`] = await timed(`scp down (${label})`, () => sh('scp', [...o(pg), '-q', `${target(pod)}:/tmp/bench-s.bin`, join(dir, 's.down')]));
  }
  const batchUp = join(dir, 'up.batch');
  writeFileSync(batchUp, `put ${src} ${join(dir, 'loop.bin')}\n`);
  const batchDown = join(dir, 'down.batch');
  writeFileSync(batchDown, `get ${join(dir, 'loop.bin')} ${join(dir, 'loop.down')}\n`);
  rows['loopback up'] = await timed('sftp -D /usr/lib/openssh/sftp-server put (loopback, no SSH)', () => sh('sftp', ['-q', '-D', '/usr/lib/openssh/sftp-server', '-b', batchUp]));
  rows['loopback down'] = await timed('sftp -D /usr/lib/openssh/sftp-server get (loopback, no SSH)', () => sh('sftp', ['-q', '-D', '/usr/lib/openssh/sftp-server', '-b', batchDown]));
  const ratio = (a: string, b: string): string => `${((rows[a] / rows[b]) * 100).toFixed(0)} %`;
  console.log(`builtin SFTP vs kubectl exec cat, tiny:     up ${ratio('podgate builtin SFTP, busybox pod tiny up', 'tiny kubectl up')}, down ${ratio('podgate builtin SFTP, busybox pod tiny down', 'tiny kubectl down')}`);
  console.log(`builtin SFTP vs kubectl exec cat, web-7d9f: up ${ratio('podgate builtin SFTP, debian pod web-7d9f up', 'web-7d9f kubectl up')}, down ${ratio('podgate builtin SFTP, debian pod web-7d9f down', 'web-7d9f kubectl down')}`);
  console.log(`container sftp-server (fast path) vs kubectl exec cat, web-7d9f: up ${ratio('podgate -> container sftp-server, web-7d9f up', 'web-7d9f kubectl up')}, down ${ratio('podgate -> container sftp-server, web-7d9f down', 'web-7d9f kubectl down')}`);
  if (rows['tiny ssh up'] !== undefined) console.log(`builtin SFTP vs ssh cat through podgate, tiny: up ${ratio('podgate builtin SFTP, busybox pod tiny up', 'tiny ssh up')}, down ${ratio('podgate builtin SFTP, busybox pod tiny down', 'tiny ssh down')}`);
  if (rows['web-7d9f ssh up'] !== undefined) console.log(`builtin SFTP vs ssh cat through podgate, web-7d9f: up ${ratio('podgate builtin SFTP, debian pod web-7d9f up', 'web-7d9f ssh up')}, down ${ratio('podgate builtin SFTP, debian pod web-7d9f down', 'web-7d9f ssh down')}`);
} finally {
  await Promise.allSettled([auto?.stop(), builtin?.stop()]);
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync('/tmp/bench-k.bin', { force: true });
  rmSync('/tmp/bench-s.bin', { force: true });
  rmSync('/tmp/bench-e.bin', { force: true });
}
