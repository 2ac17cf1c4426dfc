/**
 * Brings up everything one bench run measures: the Kubernetes API emulator in its own process
 * (so the bench's own event loop does not share a CPU thread with the API server), a real
 * `podgate serve` against it, and a throwaway OpenSSH sshd. `close()` stops all of them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPodgate, type Podgate, type TestUser } from '../../test/helpers/podgate.ts';
import { startServerProcess } from './proc.ts';
import { startSshd, type Sshd } from './sshd.ts';
import { startSsh2Bare, type Ssh2Bare } from './ssh2-bare.ts';
import { directTarget, sshTarget, POD, type Target, type TargetName } from './targets.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface BenchEnv {
  dir: string;
  targets: Record<TargetName, Target>;
  podgate: Podgate;
  sshd: Sshd;
  ssh2: Ssh2Bare;
  emulatorPid: number;
  /** The emulator's admin kubeconfig (token admin-token). */
  adminKubeconfig: string;
  /** Another `podgate serve` against the same emulator, with `configPatch` (and `users`, extra `env`; the caller stops it). */
  startPodgate(configPatch: Record<string, unknown>, users?: TestUser[], env?: Record<string, string>): Promise<Podgate>;
  close(): Promise<void>;
}

interface EmulatorProc {
  pid: number;
  adminKubeconfig: string;
  stop(): Promise<void>;
}

async function startEmulatorProcess(dir: string): Promise<EmulatorProc> {
  const adminKubeconfig = join(dir, 'admin.kubeconfig');
  const proc = await startServerProcess([
    process.execPath, '--import', 'tsx', join(ROOT, 'src/emulator/main.ts'),
    '--fixture', join(ROOT, 'test/fixtures/cluster.yaml'), '--kubeconfig-out', adminKubeconfig, '--token', 'admin-token',
  ], { what: 'emulator', cwd: ROOT, ready: (out) => out.includes('\n') });
  return { pid: proc.pid, adminKubeconfig, stop: () => proc.stop() };
}

/** The config patch of every bench podgate: no login or session limits in the way, a patient API timeout. */
export const PODGATE_BENCH_PATCH = {
  limits: { maxUnauthenticated: 2000, maxUnauthenticatedPerSource: 2000, idleTimeoutSeconds: 0, maxSessionSeconds: 0 },
  kubernetes: { requestTimeoutMs: 60_000 },
};

/** `peers: false` starts no sshd or bare ssh2 server (scenarios that measure podgate alone). */
export async function startBenchEnv(opts: { podgateEnv?: Record<string, string>; peers?: boolean } = {}): Promise<BenchEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'podgate-bench-'));
  const emu = await startEmulatorProcess(dir);
  const shim = {
    writeKubeconfig(path: string, opts: { token: string }): void {
      writeFileSync(path, readFileSync(emu.adminKubeconfig, 'utf8').replaceAll('admin-token', opts.token), { mode: 0o600 });
    },
  };
  let podgate: Podgate | null = null;
  let sshd: Sshd | null = null;
  let ssh2: Ssh2Bare | null = null;
  try {
    podgate = await startPodgate({
      emulator: shim,
      configPatch: PODGATE_BENCH_PATCH,
      startTimeoutMs: 120_000,
      ...(opts.podgateEnv ? { env: opts.podgateEnv } : {}),
    });
    if (opts.peers !== false) {
      sshd = await startSshd();
      ssh2 = await startSsh2Bare(join(dirname(sshd.key), 'host_key'), `${sshd.key}.pub`);
    }
  } catch (e) {
    await podgate?.stop();
    await sshd?.stop();
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const pg = podgate;
  // Without peers their targets point nowhere; only podgate-alone scenarios run then.
  const sd = sshd ?? { port: 0, key: '', user: '', stop: () => Promise.resolve() } as unknown as Sshd;
  const s2 = ssh2 ?? { port: 0, stop: () => Promise.resolve() } as unknown as Ssh2Bare;
  return {
    dir,
    podgate: pg,
    sshd: sd,
    ssh2: s2,
    emulatorPid: emu.pid,
    adminKubeconfig: emu.adminKubeconfig,
    startPodgate: (configPatch, users, env) => startPodgate({ emulator: shim, configPatch, startTimeoutMs: 120_000, ...(users ? { users } : {}), ...(env ? { env } : {}) }),
    targets: {
      podgate: sshTarget('podgate', pg.port, pg.keyFor('alice'), `alice+${POD}`),
      direct: directTarget(emu.adminKubeconfig),
      sshd: sshTarget('sshd', sd.port, sd.key, sd.user),
      ssh2: sshTarget('ssh2', s2.port, sd.key, sd.user),
    },
    async close() {
      await Promise.allSettled([pg.stop(), sd.stop(), s2.stop()]);
      await emu.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
