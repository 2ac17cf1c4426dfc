/**
 * The runtime's exec over WebSocket, driven by a plain `ws` client speaking the wire protocol
 * (no podgate code): negotiation, channels, status, CLOSE, resize, process survival after a
 * drop (containerd's behaviour), process attribution, images and users, backpressure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../src/emulator/runtime/index.ts';
import type { ContainerRuntime } from '../src/emulator/runtime/types.ts';
import { execClient, execUrl, startHarness, until, type Harness } from './helpers/runtime-harness.ts';

const V5 = 'v5.channel.k8s.io';
const V4 = 'v4.channel.k8s.io';
const CLIENT_NODE_OFFER = [V5, V4, 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** The Status JSON an exec ends with (its fields that these tests read). */
interface ExecStatus { reason: string; message: string; details: { causes: { reason: string; message: string }[] } }
const statusOf = (json: string): ExecStatus => JSON.parse(json) as ExecStatus;

let stateDir: string;
let runtime: ContainerRuntime;
let h: Harness;
const uids = { p1: 'uid-p1', p2: 'uid-p2', bb: 'uid-bb', nobody: 'uid-nobody', dead: 'uid-dead' };

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'emu-exec-'));
  runtime = createRuntime({ stateDir });
  await runtime.startPod({ uid: uids.p1, namespace: 'default', name: 'p1', containers: [{ name: 'app', image: 'debian' }] });
  await runtime.startPod({ uid: uids.p2, namespace: 'default', name: 'p2', containers: [{ name: 'app', image: 'debian' }] });
  await runtime.startPod({ uid: uids.bb, namespace: 'prod', name: 'bb', containers: [{ name: 'sh', image: 'busybox' }] });
  await runtime.startPod({ uid: uids.nobody, namespace: 'prod', name: 'nobody', containers: [{ name: 'app', image: 'debian', runAsUser: 65534 }] });
  await runtime.startPod(
    { uid: uids.dead, namespace: 'prod', name: 'dead', containers: [{ name: 'app', image: 'debian' }] },
    { app: { state: 'terminated', exitCode: 0, reason: 'Completed', finishedAt: new Date().toISOString() } },
  );
  h = await startHarness(runtime, uids);
});

afterAll(async () => {
  await h?.close();
  await runtime?.shutdown();
  await rm(stateDir, { recursive: true, force: true });
});

const run = async (pod: string, command: string[], o: Parameters<typeof execUrl>[4] = {}, offer = [V5]) => {
  const c = execClient(execUrl(h.url, pod, 'app', command, o), offer);
  await c.opened;
  return c.result;
};

describe('exec over WebSocket', () => {
  it('negotiates v5 through the API server path and v4 at the kubelet, first frame empty on stdout', async () => {
    const v5 = await run('p1', ['echo', 'hi'], {}, CLIENT_NODE_OFFER);
    expect(v5.protocol).toBe(V5);
    expect(v5.frames[0]).toEqual({ channel: 1, data: Buffer.alloc(0) });
    expect(v5.stdout).toBe('hi\n');
    expect(v5.status).toBe('{"metadata":{},"status":"Success"}');
    expect(v5.closeCode).toBe(1000);
    const v4 = await run('p1', ['echo', 'hi'], { path: 'kubelet' }, CLIENT_NODE_OFFER);
    expect(v4.protocol).toBe(V4);
    expect(v4.status).toBe('{"metadata":{},"status":"Success"}');
    const c = execClient(execUrl(h.url, 'p1', 'app', ['echo'], { path: 'apiserver-v5' }), [V4]);
    await expect(c.opened).rejects.toThrow(/HTTP 400/);
  });

  it('keeps stdout and stderr apart, merges them under a TTY', async () => {
    const r = await run('p1', ['sh', '-c', 'echo out; echo err >&2']);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    const t = await run('p1', ['sh', '-c', 'echo out; echo err >&2'], { tty: true });
    expect(t.stdout).toContain('out\r\n');
    expect(t.stdout).toContain('err\r\n');
    expect(t.frames.some((f) => f.channel === 2)).toBe(false);
  });

  it('gives the process stdin EOF on a v5 CLOSE frame, so cat ends', async () => {
    const c = execClient(execUrl(h.url, 'p1', 'app', ['cat'], { stdin: true }), [V5]);
    await c.opened;
    c.stdin('abc\n');
    await c.waitFor('abc\n');
    c.closeStdin();
    const r = await c.result;
    expect(r.stdout).toBe('abc\n');
    expect(r.status).toBe('{"metadata":{},"status":"Success"}');
  });

  it('reports exit 3 as NonZeroExitCode with the ExitCode cause (v5 and kubelet wording)', async () => {
    const v5 = await run('p1', ['sh', '-c', 'exit 3']);
    expect(v5.status).toBe(
      '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: command terminated with exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
    );
    expect(v5.closeCode).toBe(1000);
    const v4 = await run('p1', ['sh', '-c', 'exit 3'], { path: 'kubelet' }, [V4]);
    expect(statusOf(v4.status).message).toBe('command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3');
  });

  it('reports death by signal N as exit code 128+N', async () => {
    const r = await run('p1', ['sh', '-c', 'kill -TERM $$']);
    expect(statusOf(r.status).details.causes[0]).toEqual({ reason: 'ExitCode', message: '143' });
    const k = await run('p1', ['sh', '-c', 'kill -KILL $$'], { tty: true });
    expect(statusOf(k.status).details.causes[0].message).toBe('137');
  });

  it('applies resize messages (either key case, concatenated) to the PTY', async () => {
    const c = execClient(execUrl(h.url, 'p1', 'app', ['sh'], { stdin: true, tty: true }), [V5]);
    await c.opened;
    c.resize('{"Width":100,"Height":40}\n');
    c.stdin('stty size\n');
    await c.waitFor('40 100');
    c.resize('{"height":50,"width":132}{"width":133,"height":51}');
    c.stdin('stty size; exit 0\n');
    await c.waitFor('51 133');
    const r = await c.result;
    expect(r.status).toBe('{"metadata":{},"status":"Success"}');
  });

  it('answers a non-running container with container not found (v5 status; 500 at the kubelet)', async () => {
    const r = await run('dead', ['echo']);
    expect(JSON.parse(r.status)).toMatchObject({
      status: 'Failure',
      reason: 'InternalError',
      code: 500,
      message: 'Internal error occurred: unable to upgrade connection: container not found ("app")',
    });
    const c = execClient(execUrl(h.url, 'dead', 'app', ['echo'], { path: 'kubelet' }), [V4]);
    await expect(c.opened).rejects.toThrow('HTTP 500: container not found ("app")');
  });

  it('fails a missing program as containerd/runc say it', async () => {
    const r = await run('p1', ['nosuch']);
    const s = statusOf(r.status);
    expect(s.reason).toBe('InternalError');
    expect(s.message).toMatch(/^Internal error occurred: Internal error occurred: error executing command in container: .*OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in \$PATH: unknown$/);
  });

  it('keeps sleep (no tty) and bash (tty) alive after the WebSocket is cut: stdin closed, no signal', async () => {
    const sleeper = execClient(execUrl(h.url, 'p1', 'app', ['sleep', '1000'], { stdin: true }), [V5]);
    const shell = execClient(execUrl(h.url, 'p1', 'app', ['bash'], { stdin: true, tty: true }), [V5]);
    await Promise.all([sleeper.opened, shell.opened]);
    shell.stdin('echo ready-$((40+2))\n');
    await shell.waitFor('ready-42');
    sleeper.ws.terminate();
    shell.ws.terminate();
    await Promise.all([sleeper.result, shell.result]);
    await new Promise((r) => setTimeout(r, 1500));
    const procs = await runtime.processes(uids.p1, 'app');
    expect(procs.map((p) => p.args)).toEqual(expect.arrayContaining(['sleep 1000', 'bash']));
    expect(await runtime.processes(uids.p2, 'app')).not.toEqual(expect.arrayContaining([expect.objectContaining({ args: 'sleep 1000' })]));
  });

  it('drops exec streams after setExecDropAfterMs, leaving the process running', async () => {
    runtime.setExecDropAfterMs(300);
    try {
      const c = execClient(execUrl(h.url, 'p2', 'app', ['sleep', '999']), [V5]);
      await c.opened;
      const r = await c.result;
      expect(r.closeCode).toBe(1006);
    } finally {
      runtime.setExecDropAfterMs(0);
    }
    await until(async () => (await runtime.processes(uids.p2, 'app')).some((p) => p.args === 'sleep 999'), 10_000, 'sleep 999');
  });

  it('attributes daemonized processes (setsid, double fork) to their container only', async () => {
    const r = await run('p2', ['sh', '-c', '(setsid sleep 777 </dev/null >/dev/null 2>&1 &) ; echo started']);
    expect(r.stdout).toBe('started\n');
    const found = await until(async () => (await runtime.processes(uids.p2, 'app')).find((p) => p.args === 'sleep 777'), 10_000, 'sleep 777');
    expect(found.ppid).not.toBe(0);
    expect((await runtime.processes(uids.p1, 'app')).some((p) => p.args === 'sleep 777')).toBe(false);
  });

  it('gives the container its own HOSTNAME and environment, nothing of the emulator', async () => {
    const r = await run('p1', ['sh', '-c', 'hostname; echo $HOSTNAME; env | sort']);
    const [uname, host, ...env] = r.stdout.trim().split('\n');
    expect(uname).toBe('p1');
    expect(host).toBe('p1');
    expect(env.map((l) => l.split('=')[0]).sort()).toEqual(['HOME', 'HOSTNAME', 'PATH', 'PWD'].sort());
  });

  it('runs busybox pods chrooted with only busybox applets', async () => {
    const c = execClient(execUrl(h.url, 'bb', 'sh', ['sh', '-c', 'readlink /bin/sh; echo $PATH; ls / | tr "\\n" " "; echo; ls /usr 2>&1; test -r /proc/self/stat && echo proc-ok; id -u']), [V5]);
    await c.opened;
    const r = await c.result;
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('busybox');
    expect(lines[1]).toBe('/bin');
    expect(lines[2]?.trim().split(' ').sort()).toEqual(['bin', 'dev', 'etc', 'home', 'proc', 'root', 'tmp']);
    expect(r.stdout).toMatch(/ls: \/usr: No such file or directory/);
    expect(lines.at(-1)).toBe('0');
    expect(r.stdout).toContain('proc-ok\n');
    const bash = execClient(execUrl(h.url, 'bb', 'sh', ['bash']), [V5]);
    await bash.opened;
    expect(statusOf((await bash.result).status).message).toContain('exec: "bash": executable file not found in $PATH');
  });

  it('honours runAsUser (65534)', async () => {
    const r = await run('nobody', ['sh', '-c', 'id -u; id -g']);
    expect(r.stdout).toBe('65534\n65534\n');
  });

  it('speaks the kubelet legacy protocols: channel.k8s.io (text error only) and base64 variants', async () => {
    const ok = await run('p1', ['echo', 'x'], { path: 'kubelet' }, ['channel.k8s.io']);
    expect(ok.protocol).toBe('channel.k8s.io');
    expect(ok.stdout).toBe('x\n');
    expect(ok.frames.some((f) => f.channel === 3)).toBe(false);
    const bad = await run('p1', ['sh', '-c', 'exit 4'], { path: 'kubelet' }, []);
    expect(bad.protocol).toBe('');
    expect(bad.status).toBe('command terminated with non-zero exit code: error executing command [sh -c exit 4], exit code 4');
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(execUrl(h.url, 'p1', 'app', ['echo', 'b64'], { path: 'kubelet' }), ['v4.base64.channel.k8s.io']);
    const texts: string[] = [];
    ws.on('message', (d: Buffer, isBinary: boolean) => {
      if (!isBinary) texts.push(d.toString());
    });
    await new Promise((r) => ws.once('close', r));
    expect(texts[0]).toBe('1');
    expect(texts).toContain(`1${Buffer.from('b64\n').toString('base64')}`);
    expect(texts.at(-1)).toBe(`3${Buffer.from('{"metadata":{},"status":"Success"}').toString('base64')}`);
  });

  it('ends the read loop on a malformed CLOSE frame (v5): the connection closes, the process stays', async () => {
    const c = execClient(execUrl(h.url, 'p2', 'app', ['sleep', '888'], { stdin: true }), [V5]);
    await c.opened;
    c.ws.send(Buffer.from([255, 0, 0]));
    const r = await c.result;
    expect(r.closeCode).toBe(1000);
    await until(async () => (await runtime.processes(uids.p2, 'app')).some((p) => p.args === 'sleep 888'), 10_000, 'sleep 888');
  });

  it('stops reading the socket while the process does not read its stdin', async () => {
    const c = execClient(execUrl(h.url, 'p2', 'app', ['sh', '-c', 'sleep 3; wc -c'], { stdin: true }), [V5]);
    await c.opened;
    const chunk = Buffer.alloc(1024 * 1024, 97);
    for (let i = 0; i < 48; i++) c.stdin(chunk);
    // sleep does not read: the pipe fills, the runtime stops reading, data stays with the client.
    await new Promise((r) => setTimeout(r, 1500));
    expect(c.ws.bufferedAmount).toBeGreaterThan(16 * 1024 * 1024);
    c.closeStdin();
    const r = await c.result;
    expect(r.stdout.trim()).toBe(String(48 * 1024 * 1024));
  });

  it('keeps memory flat with a client that does not read', async () => {
    const c = execClient(execUrl(h.url, 'p2', 'app', ['cat', '/dev/zero']), [V5]);
    await c.opened;
    // Stop reading: TCP fills up, then the runtime must pause the process's output.
    const sock = (c.ws as unknown as { _socket: Socket })._socket;
    sock.pause();
    const before = process.memoryUsage();
    await new Promise((r) => setTimeout(r, 3000));
    const after = process.memoryUsage();
    const grown = after.rss + after.external - (before.rss + before.external);
    expect(grown).toBeLessThan(64 * 1024 * 1024);
    c.ws.terminate();
    await c.result;
    const cat = await until(async () => (await runtime.processes(uids.p2, 'app')).find((p) => p.args === 'cat /dev/zero'), 10_000, 'cat');
    process.kill(cat.pid, 'SIGKILL');
  });
});
