/**
 * Two `podgate serve` replicas (same config, host and user keys; their own relay ports) against
 * one emulator, behind a real HAProxy in round-robin TCP mode: the fixture of the tests of
 * sessions across replicas (docs/replicas.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator/index.ts';
import type { Emulator } from '../../src/emulator/types.ts';
import { createKubeApi, type KubeClient } from '../../src/kube/index.ts';
import type { Lease } from '../../src/kube/leases.ts';
import { freePort, waitListening } from '../forward-helpers.ts';
import { startPodgate, type Podgate, type TestUser } from './podgate.ts';
import { expect } from 'vitest';
import { waitFor, type SshEndpoint, type TmuxSession } from './ssh.ts';

export interface ReplicaPairOptions {
  /** `sessions.*` of both replicas (the relay's `replicas.*` is added). */
  sessions: Record<string, unknown>;
  users?: TestUser[];
}

export interface ReplicaPair {
  emu: Emulator;
  a: Podgate;
  b: Podgate;
  /** HAProxy in front of a and b, round robin. */
  lb: SshEndpoint;
  /** podgate's own client (service-account token), to read the Leases. */
  kube: KubeClient;
  /** The shared relay secret (as the replicas read it). */
  secret: string;
  work: string;
  /** Another replica with the same keys and config, here with the secret in `secretFile`; stopped by close(). */
  startReplica(secretFile: string): Promise<Podgate>;
  /** Stops everything (HAProxy, replicas, emulator) and removes the temp files. */
  close(): Promise<void>;
}

/** The relay port a replica logged at start. */
export const relayPort = (p: Podgate): number => Number(p.logs().find((l) => l['code'] === 'REPLICA_RELAY_LISTENING')?.['port']);

/** The Lease of session `id`, or null. */
export const leaseOf = (kube: KubeClient, id: string): Promise<Lease | null> => kube.getLease('podgate', `podgate-session-${id.toLowerCase()}`);

export async function startReplicaPair(o: ReplicaPairOptions): Promise<ReplicaPair> {
  const emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  const work = mkdtempSync(join(tmpdir(), 'podgate-replicas-'));
  const secret = randomBytes(36).toString('base64');
  writeFileSync(join(work, 'secret'), `${secret}\n`, { mode: 0o600 });
  const patch = (secretFile: string): Record<string, unknown> => ({
    sessions: o.sessions, replicas: { listen: '127.0.0.1:0', secretFile, namespace: 'podgate', connectTimeoutMs: 3000 },
  });
  const users = o.users ? { users: o.users } : {};
  const a = await startPodgate({ emulator: emu, ...users, configPatch: patch(join(work, 'secret')) });
  const b = await startPodgate({ emulator: emu, ...users, configPatch: patch(join(work, 'secret')), sameKeysAs: a });
  emu.writeKubeconfig(join(work, 'kc'), { token: 'podgate-token' });
  const kube = createKubeApi({ kubeconfig: join(work, 'kc'), requestTimeoutMs: 10_000 });
  const extra: Podgate[] = [];
  let haproxy: ChildProcess | null = null;
  const close = async (): Promise<void> => {
    haproxy?.kill('SIGTERM');
    kube.close();
    for (const p of extra) await p.stop();
    await b.stop();
    await a.stop();
    await emu.close();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const cfg = join(work, 'haproxy.cfg');
    writeFileSync(cfg, [
      'global', '  maxconn 200',
      'defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 120s', '  timeout server 120s',
      'frontend ssh', `  bind 127.0.0.1:${port}`, '  default_backend replicas',
      'backend replicas', '  balance roundrobin', `  server a 127.0.0.1:${a.port}`, `  server b 127.0.0.1:${b.port}`, '',
    ].join('\n'));
    let haproxyErr = '';
    haproxy = spawn('/usr/sbin/haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    haproxy.stderr!.on('data', (d: Buffer) => { haproxyErr += d.toString(); });
    await waitListening(port).catch((e: Error) => { throw new Error(`${e.message}; haproxy said: ${haproxyErr}`); });
    return {
      emu, a, b, kube, secret, work, close,
      lb: { port, keyFor: (u) => a.keyFor(u) },
      async startReplica(secretFile) {
        const c = await startPodgate({ emulator: emu, ...users, configPatch: patch(secretFile), sameKeysAs: a });
        extra.push(c);
        return c;
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The pane's text with trailing blanks removed (for screen comparisons). */
export const screen = (pane: string): string => pane.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();

/** The first log line of `p` with `code` about `sessionId`. */
export const logOf = (p: Podgate, code: string, sessionId: string): Record<string, unknown> | undefined => p.logs().find((l) => l['code'] === code && l['sessionId'] === sessionId);

/** Session ids either replica has logged `code` for so far. */
export const idsLogged = (pair: ReplicaPair, code: string): Set<string> => new Set([pair.a, pair.b].flatMap((p) => p.logs().filter((l) => l['code'] === code).map((l) => String(l['sessionId']))));

/** The replica whose log has a `code` line (e.g. SESSION_DETACH) for a session not in `known`, and that session's id. */
export async function newSession(pair: ReplicaPair, code: string, known: Set<string>): Promise<{ holder: Podgate; id: string }> {
  return waitFor(() => {
    for (const p of [pair.a, pair.b]) {
      const l = p.logs().find((x) => x['code'] === code && !known.has(String(x['sessionId'])));
      if (l) return { holder: p, id: String(l['sessionId']) };
    }
    return undefined;
  }, `a new ${code}`, 20_000);
}

/**
 * Starts `sshUser`'s shell through `ep` in `tmux`, marks its screen, kills the client, and waits
 * for the detached session's Lease: its holder, id, screen before, and the mark.
 */
export async function detachedShell(pair: ReplicaPair, ep: SshEndpoint, tmux: (ep: SshEndpoint, user: string, args: string[], opts: { cols: number; rows: number }) => TmuxSession, tag: string, sshUser = 'alice+web-7d9f'): Promise<{ holder: Podgate; id: string; before: string; mark: string }> {
  const known = idsLogged(pair, 'SESSION_DETACH');
  const t = tmux(ep, sshUser, [], { cols: 100, rows: 30 });
  const mark = `${tag}-${randomBytes(3).toString('hex')}`;
  t.type(`clear; printf '%s-line-%d\\n' ${mark} 1 ${mark} 2; echo READY-$((40+2))`, true);
  await t.waitFor(/READY-42/);
  await new Promise((r) => setTimeout(r, 300));
  const before = screen(t.capture());
  t.kill();
  const d = await newSession(pair, 'SESSION_DETACH', known);
  await waitFor(async () => (await leaseOf(pair.kube, d.id))?.annotations?.['podgate.dev/detached-at'] && (await leaseOf(pair.kube, d.id))?.holderIdentity === `127.0.0.1:${relayPort(d.holder)}`, `the Lease of ${d.id}`);
  return { ...d, before, mark };
}

/**
 * A shell joined through the other replica is live: input echoes, a resize reaches `stty size`,
 * and `exit CODE` ends the client with CODE and the session on its holder with the same status.
 */
export async function expectLiveUntilExit(t: TmuxSession, holder: Podgate, id: string, code: number): Promise<void> {
  t.type('echo LIVE-$((6*7))', true);
  await t.waitFor(/^LIVE-42$/m);
  t.resize(120, 35);
  await new Promise((r) => setTimeout(r, 500));
  t.type('echo "size=$(stty size)"', true);
  expect(await t.waitFor(/size=\d+ \d+/)).toMatch(/size=35 120/);
  t.type(`exit ${code}`, true);
  await t.waitFor(new RegExp(`\\[ssh exited ${code}\\]`));
  expect(await waitFor(() => logOf(holder, 'SESSION_END', id), 'SESSION_END on the holder')).toMatchObject({ exitCode: code, reason: 'exit' });
}
