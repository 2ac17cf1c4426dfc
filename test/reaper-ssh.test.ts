/**
 * Issue #4 through podgate: the real OpenSSH client, a real `podgate serve`, the emulator. For
 * each way a session can end (client exits, client SIGKILLed, TCP connection cut silently, idle
 * timeout, podgate SIGTERM, podgate SIGKILL then a restart on the same stateDir), all six session
 * kinds run at once in the debian pod dash-1 (dash as /bin/sh) and the busybox pod tiny; then
 * both containers must be back to their main process plus one other live session (started
 * directly, outside podgate), which must be untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { createKubeApi, type KubeClient } from '../src/kube/index.ts';
import type { ExecSession } from '../src/kube/types.ts';
import { createReaper } from '../src/session/reaper.ts';
import type { ReapTarget } from '../src/session/reaper-types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { sshArgs } from './helpers/ssh.ts';
import { REAP_PODS, SESSION_KINDS, endBystanders, type SessionKind } from './helpers/reap-matrix.ts';



type End = 'client-exit' | 'client-sigkill' | 'tcp-cut' | 'idle-timeout' | 'podgate-sigterm' | 'podgate-sigkill-restart';

const RUN = randomBytes(3).toString('hex');
let emu: Emulator;
let kube: KubeClient;
let tmp: string;
const others: { target: ReapTarget; id: string; exec: ExecSession; pid: number }[] = [];
const summary: string[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'reaper-ssh-'));
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  emu.writeKubeconfig(join(tmp, 'kubeconfig'), { token: 'podgate-token' });
  kube = createKubeApi({ kubeconfig: join(tmp, 'kubeconfig'), requestTimeoutMs: 20_000 });
  const reaper = createReaper({ executor: kube, stateDir: join(tmp, 'others'), graceMs: 1000, logger: pino({ level: 'silent' }) });
  for (const target of REAP_PODS) {
    const id = `other-${RUN}-${target.pod}`;
    const exec = await kube.exec({ ...target, command: reaper.wrap(id, 'sleep 2000', false), stdin: false, tty: false });
    exec.stdout.on('data', () => undefined);
    exec.stderr?.on('data', () => undefined);
    let pid = 0;
    await until(async () => {
      pid = (await emu.processes(target.namespace, target.pod, target.container)).find((p) => p.args === 'sleep 2000')?.pid ?? 0;
      return pid > 0;
    }, 15_000);
    others.push({ target, id, exec, pid });
  }
}, 120_000);

afterAll(async () => {
  const reaper = createReaper({ executor: kube, stateDir: join(tmp, 'others'), graceMs: 1000, logger: pino({ level: 'silent' }) });
  await endBystanders(reaper, others);
  kube?.close();
  await emu?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  if (summary.length > 0) console.log(`reaper-ssh:\n  ${summary.join('\n  ')}`);
}, 120_000);

async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function pidsOf(t: ReapTarget): Promise<number[]> {
  return (await emu.processes(t.namespace, t.pod, t.container)).map((p) => p.pid).sort((a, b) => a - b);
}

/** A TCP relay in front of podgate whose connections can be cut silently (no FIN, no RST). */
class Relay {
  private readonly pairs = new Set<[Socket, Socket]>();
  private server!: Server;
  port = 0;

  async start(upstream: number): Promise<void> {
    this.server = createServer((client) => {
      const up = connect(upstream, '127.0.0.1');
      const pair: [Socket, Socket] = [client, up];
      this.pairs.add(pair);
      client.on('error', () => undefined);
      up.on('error', () => undefined);
      client.pipe(up);
      up.pipe(client);
      const drop = (): void => { this.pairs.delete(pair); };
      client.on('close', drop);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Stops relaying both ways, keeping both sockets open: the peer hears nothing ever again. */
  cutAll(): void {
    for (const [a, b] of this.pairs) {
      a.unpipe(b);
      b.unpipe(a);
      a.pause();
      b.pause();
    }
  }

  async close(): Promise<void> {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

interface Client {
  pod: ReapTarget;
  kind: SessionKind;
  child: ChildProcess;
  out: () => string;
  exited: Promise<void>;
}

function startClient(pg: Podgate, relay: Relay, pod: (typeof REAP_PODS)[number], kind: SessionKind): Client {
  const ep = { port: relay.port, keyFor: (u: string) => pg.keyFor(u) };
  const args = sshArgs(ep, pod.sshTarget, kind.command === null ? [] : [kind.command], { tty: kind.tty });
  const child = spawn('/usr/bin/ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  child.stdin.on('error', () => undefined);
  child.on('error', () => undefined);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { pod, kind, child, out: () => out, exited };
}

async function settle(c: Client, baseline: number[]): Promise<void> {
  if (c.kind.tty) {
    c.child.stdin!.write('echo RE""ADY\n');
    const ok = await until(async () => c.out().includes('READY'), 30_000);
    expect(ok, `${c.kind.name} in ${c.pod.pod}: no shell prompt; client said ${JSON.stringify(c.out())}`).toBe(true);
    if (c.kind.input) c.child.stdin!.write(c.kind.input);
  }
  const ok = await until(async () => (await emu.processes(c.pod.namespace, c.pod.pod, c.pod.container))
    .some((p) => !baseline.includes(p.pid) && c.kind.ready.test(p.args)), 30_000);
  expect(ok, `${c.kind.name} in ${c.pod.pod} did not start; client said ${JSON.stringify(c.out())}`).toBe(true);
}

async function runGroup(end: End): Promise<void> {
  const stateDir = join(tmp, `state-${end}`);
  const limits: Record<string, number> = { reapGraceSeconds: 1, shutdownGraceSeconds: 1, keepaliveIntervalSeconds: 1, keepaliveCountMax: 2 };
  if (end === 'idle-timeout') limits['idleTimeoutSeconds'] = 3;
  const configPatch = { stateDir, limits };
  const first = await startPodgate({ emulator: emu, configPatch });
  let pg = first;
  const relay = new Relay();
  await relay.start(pg.port);
  const clients: Client[] = [];
  let second: Podgate | null = null;
  try {
    const baseline = new Map<string, number[]>();
    for (const t of REAP_PODS) baseline.set(t.pod, await pidsOf(t));
    for (const pod of REAP_PODS) for (const kind of SESSION_KINDS) clients.push(startClient(pg, relay, pod, kind));
    await Promise.all(clients.map((c) => settle(c, baseline.get(c.pod.pod)!)));

    const t0 = Date.now();
    // Issue #4 asks for 5 s; the wait allows as much again for a loaded 2-core CI box, and the
    // measured time is reported.
    let budget = 10_000;
    if (end === 'client-exit') {
      for (const c of clients) {
        if (c.kind.tty) c.child.stdin!.write('exit\n');
        else if (c.kind.command === 'cat') c.child.stdin!.end();
        else c.child.kill('SIGTERM');
      }
    } else if (end === 'client-sigkill') {
      for (const c of clients) c.child.kill('SIGKILL');
    } else if (end === 'tcp-cut') {
      relay.cutAll();
      // podgate learns of a silent cut from missed keepalives (1 s x 2), then gives the dead
      // peer 2 s to close its half before it destroys the socket.
      budget += 5000;
    } else if (end === 'idle-timeout') {
      budget += 3000; // nobody types: every session reaches idleTimeoutSeconds (3)
    } else if (end === 'podgate-sigterm') {
      pg.kill('SIGTERM');
      budget += 1000; // shutdownGraceSeconds
    } else {
      pg.kill('SIGKILL');
      await pg.exited;
      second = await startPodgate({ emulator: emu, configPatch });
      pg = second;
      budget = 60_000;
    }
    const clean = await until(async () => {
      for (const t of REAP_PODS) {
        const now = await pidsOf(t);
        const base = baseline.get(t.pod)!;
        if (now.length !== base.length || now.some((p, i) => p !== base[i])) return false;
      }
      return true;
    }, budget);
    const cleanMs = Date.now() - t0;
    const events = (): string => pg.logs().filter((l) => l['code'] === 'REAP' || l['code'] === 'SESSION_END')
      .map((l) => JSON.stringify({ code: l['code'], sessionId: l['sessionId'], pod: l['pod'], command: l['command'], reason: l['reason'], found: l['found'], pids: l['pids'], outcome: l['outcome'], error: l['error'], durationMs: l['durationMs'] })).join('\n');
    for (const t of REAP_PODS) {
      const base = baseline.get(t.pod)!;
      const left = (await emu.processes(t.namespace, t.pod, t.container)).filter((p) => !base.includes(p.pid));
      expect(left, `left behind in ${t.pod} after ${end}; podgate said:\n${events()}`).toEqual([]);
    }
    expect(clean, `${end}: containers not clean within ${budget} ms`).toBe(true);
    for (const o of others) {
      expect((await emu.processes(o.target.namespace, o.target.pod, o.target.container)).some((p) => p.pid === o.pid), `other session in ${o.target.pod}`).toBe(true);
    }
    const reaps = pg.logs().filter((l) => l['code'] === 'REAP');
    expect(reaps.every((r) => r['outcome'] !== 'failed'), JSON.stringify(reaps.filter((r) => r['outcome'] === 'failed'))).toBe(true);
    const found = reaps.reduce((n, r) => n + Number(r['found']), 0);
    summary.push(`${end}: ${clients.length} sessions, ${reaps.length} REAP events, ${found} processes found, clean after ${cleanMs} ms`);
  } finally {
    for (const c of clients) c.child.kill('SIGKILL');
    await relay.close();
    await first.stop(10_000);
    await second?.stop(10_000);
  }
}

describe('no shell left behind, through podgate with the OpenSSH client', () => {
  const ends: End[] = ['client-exit', 'client-sigkill', 'tcp-cut', 'idle-timeout', 'podgate-sigterm', 'podgate-sigkill-restart'];
  for (const end of ends) {
    it(`${end}: all six session kinds in dash-1 and tiny end with nothing left`, () => runGroup(end), 180_000);
  }
});
