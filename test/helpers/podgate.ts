/**
 * Starts a real `podgate serve` process (bin/podgate.js, from source) against an emulator, with
 * a generated config: users alice, bob, mallory and carol (Kubernetes identities of the same
 * names, group `dev` for alice and `ops` for bob) with throwaway ed25519 keys, ed25519 host key,
 * an ephemeral SSH port and metrics port, a temp state dir. Parses its pino stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { makeKeyDir, type TestKeyPair } from './keys.ts';
import type { SshEndpoint } from './ssh.ts';
import { waitFor } from './ssh.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface EmulatorLike {
  writeKubeconfig(path: string, opts: { token: string }): void;
}

export interface TestUser {
  name: string;
  kubernetes?: { user?: string; groups?: string[] };
  defaultNamespace?: string;
  allow?: Record<string, unknown>;
}

export const DEFAULT_USERS: TestUser[] = [
  { name: 'alice', kubernetes: { user: 'alice', groups: ['dev'] } },
  { name: 'bob', kubernetes: { user: 'bob', groups: ['ops'] }, defaultNamespace: 'staging' },
  { name: 'mallory', kubernetes: { user: 'mallory', groups: [] } },
  { name: 'carol', kubernetes: { user: 'carol', groups: [] }, defaultNamespace: 'prod' },
];

export interface StartPodgateOptions {
  emulator: EmulatorLike;
  users?: TestUser[];
  /** Merged (deeply, objects only) over the generated config before it is written. */
  configPatch?: Record<string, unknown>;
  /** Extra environment for the podgate process. */
  env?: Record<string, string>;
  /**
   * `configmap`: lay the config out as a mounted ConfigMap is (`cm/podgate.yaml` ->
   * `..data/podgate.yaml`, `..data` -> `..<timestamp>/`), for reload tests that swap `..data`.
   */
  configLayout?: 'file' | 'configmap';
  /** How long to wait for SERVER_LISTENING (default 60 s: tsx compiles on first start). */
  startTimeoutMs?: number;
  /**
   * Several clusters (docs/clusters.md): `clusters:` with one kubeconfig per emulator instead of
   * `kubernetes.kubeconfig` (`emulator` is then unused).
   */
  clusters?: { name: string; emulator: EmulatorLike; default?: boolean }[];
  /** Use another podgate's user and host keys (replicas behind one load balancer); that one owns and removes them. */
  sameKeysAs?: Podgate;
  /** Run this JavaScript entry instead of bin/podgate.js (the bench's compiled build: dist/main.js). */
  entry?: string;
}

/** The throwaway keys of a podgate under test. */
interface PodgateKeys {
  users: Map<string, TestKeyPair>;
  stranger: TestKeyPair;
  host: TestKeyPair;
}

export interface Podgate extends SshEndpoint {
  port: number;
  pid: number;
  /** The metrics/health port (null when metrics are off). */
  metricsPort: number | null;
  /** Every pino line so far, parsed (non-JSON lines are skipped). */
  logs(): Record<string, unknown>[];
  /** Raw stderr so far. */
  stderr(): string;
  keyFor(user: string): string;
  keyPair(user: string): TestKeyPair;
  /** A key no user has (wrong-key tests). */
  strangerKey: string;
  keys: PodgateKeys;
  configPath: string;
  dir: string;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
  /** SIGTERM, wait for exit (SIGKILL after `timeoutMs`, default 30 s), remove temp files. */
  stop(timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k], v) : v;
  return out;
}

export async function startPodgate(opts: StartPodgateOptions): Promise<Podgate> {
  const dir = mkdtempSync(join(tmpdir(), 'podgate-test-'));
  const users = opts.users ?? DEFAULT_USERS;
  const shared = opts.sameKeysAs?.keys;
  const keyDir = shared ? null : makeKeyDir('podgate-userkeys-');
  const keys = { cleanup: () => keyDir?.cleanup() };
  const pairs = shared?.users ?? new Map(users.map((u) => [u.name, keyDir!.generate(u.name)]));
  const stranger = shared?.stranger ?? keyDir!.generate('stranger');
  const hostKey = shared?.host ?? keyDir!.generate('ssh_host_ed25519_key');
  const kubeconfig = join(dir, 'kubeconfig');
  const clusters = (opts.clusters ?? []).map((c) => {
    const path = join(dir, `kubeconfig-${c.name}`);
    c.emulator.writeKubeconfig(path, { token: 'podgate-token' });
    return { name: c.name, kubeconfig: path, ...(c.default ? { default: true } : {}) };
  });
  if (clusters.length === 0) opts.emulator.writeKubeconfig(kubeconfig, { token: 'podgate-token' });

  const base: Record<string, unknown> = {
    listen: '127.0.0.1:0',
    hostKeys: [hostKey.privateKeyPath],
    // Generous: the API emulator shares a noisy 2-core machine with whole test suites.
    kubernetes: clusters.length === 0 ? { kubeconfig, requestTimeoutMs: 20_000 } : { requestTimeoutMs: 20_000 },
    ...(clusters.length === 0 ? {} : { clusters }),
    defaultNamespace: 'default',
    users: users.map((u) => ({
      name: u.name,
      publicKeys: [pairs.get(u.name)!.publicKey],
      kubernetes: { user: u.kubernetes?.user ?? u.name, groups: u.kubernetes?.groups ?? [] },
      ...(u.defaultNamespace ? { defaultNamespace: u.defaultNamespace } : {}),
      ...(u.allow ? { allow: u.allow } : {}),
    })),
    // 127.0.0.1 is exempt from per-source penalties: suites run many wrong-key logins from it.
    // test/bastion-preauth.test.ts proves penalties from other loopback addresses.
    limits: { maxUnauthenticated: 200, maxUnauthenticatedPerSource: 100, reapGraceSeconds: 2, shutdownGraceSeconds: 5, penalties: { exempt: ['127.0.0.1'] } },
    metrics: { listen: '127.0.0.1:0' },
    stateDir: join(dir, 'state'),
  };
  const config = opts.configPatch ? merge(base, opts.configPatch) : base;
  let configPath = join(dir, 'podgate.yaml');
  if (opts.configLayout === 'configmap') {
    const cm = join(dir, 'cm');
    mkdirSync(join(cm, '..2026_01_01_00_00_00.000000001'), { recursive: true });
    writeFileSync(join(cm, '..2026_01_01_00_00_00.000000001', 'podgate.yaml'), stringify(config));
    symlinkSync('..2026_01_01_00_00_00.000000001', join(cm, '..data'));
    symlinkSync(join('..data', 'podgate.yaml'), join(cm, 'podgate.yaml'));
    configPath = join(cm, 'podgate.yaml');
  } else {
    writeFileSync(configPath, stringify(config));
  }

  const child: ChildProcess = spawn(process.execPath, [opts.entry ?? join(ROOT, 'bin/podgate.js'), 'serve', '--config', configPath], {
    cwd: dir,
    env: { ...process.env, PODGATE_FROM_SOURCE: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  let errText = '';
  child.stdout!.setEncoding('utf8');
  // Bench diagnostics (e.g. NODE_OPTIONS=--trace-gc): a copy of podgate's raw stdout.
  const tee = process.env.PODGATE_TEST_STDOUT_TEE ? createWriteStream(process.env.PODGATE_TEST_STDOUT_TEE, { flags: 'a' }) : null;
  if (tee) child.once('close', () => tee.end());
  child.stdout!.on('data', (chunk: string) => {
    tee?.write(chunk);
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const l of parts) {
      try {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        /* not a log line */
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => { errText += c; });
  // 'close' (not 'exit'): every log line has been read by then.
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  let gone = false;
  void exited.then(() => { gone = true; });

  const cleanup = (): void => {
    keys.cleanup();
    rmSync(dir, { recursive: true, force: true });
  };
  const find = (code: string) => lines.find((l) => l['code'] === code);
  try {
    await waitFor(() => {
      if (gone) throw new Error(`podgate exited early: ${errText}`);
      return find('SERVER_LISTENING');
    }, 'podgate SERVER_LISTENING', opts.startTimeoutMs ?? 60_000);
  } catch (e) {
    child.kill('SIGKILL');
    cleanup();
    throw new Error(`${(e as Error).message}\nstderr: ${errText}\nlogs: ${lines.map((l) => JSON.stringify(l)).join('\n')}`);
  }
  const listening = find('SERVER_LISTENING')!;
  const metricsLine = find('METRICS_LISTENING');

  return {
    port: Number(listening['port']),
    pid: child.pid!,
    metricsPort: metricsLine ? Number(metricsLine['port']) : null,
    logs: () => lines.slice(),
    stderr: () => errText,
    keyFor: (user) => {
      const p = pairs.get(user);
      if (!p) throw new Error(`no test user ${user}`);
      return p.privateKeyPath;
    },
    keyPair: (user) => pairs.get(user)!,
    strangerKey: stranger.privateKeyPath,
    keys: { users: pairs, stranger, host: hostKey },
    configPath,
    dir,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (!gone) child.kill(signal);
    },
    async stop(timeoutMs = 30_000) {
      if (!gone) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      cleanup();
    },
  };
}
