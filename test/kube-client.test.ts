/**
 * podgate's Kubernetes client (src/kube) against the emulator over HTTPS: real exec,
 * port-forward and log streams, impersonation as the API server sees it, error mapping,
 * timeouts and backpressure.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { createKubeApi, type KubeClient } from '../src/kube/index.ts';
import type { ExecRequest, ExecSession } from '../src/kube/types.ts';
import type { PodgateError } from '../src/errors/index.ts';
import { rejection } from '../src/kube/testing/fake-api.ts';

const alice = { user: 'alice', groups: ['dev', 'ops'] };
const carol = { user: 'carol', groups: [] };
let emu: Emulator;
let dir: string;
let kubeconfig: string;
let api: KubeClient;
const clients: KubeClient[] = [];

function client(requestTimeoutMs = 10_000): KubeClient {
  const c = createKubeApi({ kubeconfig, requestTimeoutMs });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'podgate-kube-it-'));
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  kubeconfig = join(dir, 'kubeconfig');
  emu.writeKubeconfig(kubeconfig, { token: 'podgate-token' });
  api = client();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function collect(r: Readable | null): Promise<Buffer> {
  if (!r) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function run(s: ExecSession): Promise<{ out: string; err: string; exit: number | string }> {
  const [out, err, done] = await Promise.all([collect(s.stdout), collect(s.stderr), s.done]);
  return { out: out.toString(), err: err.toString(), exit: 'exitCode' in done ? done.exitCode : done.error.code };
}


const web = (command: string[], o: Partial<ExecRequest> = {}): ExecRequest => ({
  namespace: 'default', pod: 'web-7d9f', container: 'app', command, identity: alice, stdin: false, tty: false, ...o,
});

describe('exec', () => {
  it('runs a command with stdout and stderr apart and its exit code, over v5', async () => {
    const s = await api.exec(web(['sh', '-c', 'echo out; echo err >&2; exit 3']));
    expect(s.protocol).toBe('v5.channel.k8s.io');
    expect(await run(s)).toEqual({ out: 'out\n', err: 'err\n', exit: 3 });
  });

  it('propagates exit codes 0, 1, 255 and 128+N for a signal', async () => {
    const codes = await Promise.all(['exit 0', 'exit 1', 'exit 255', 'kill -TERM $$'].map(async (c) => (await run(await api.exec(web(['sh', '-c', c])))).exit));
    expect(codes).toEqual([0, 1, 255, 143]);
  });

  it('gives stdin EOF: cat ends by itself and returns every byte', async () => {
    const s = await api.exec(web(['cat'], { stdin: true }));
    const data = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 10)) & 0xff;
    const result = Promise.all([collect(s.stdout), collect(s.stderr), s.done]);
    for (let off = 0; off < data.length; off += 32 * 1024) {
      if (!s.stdin!.write(data.subarray(off, off + 32 * 1024))) await new Promise((r) => s.stdin!.once('drain', r));
    }
    s.stdin!.end();
    const [out, , done] = await result;
    expect(done).toEqual({ exitCode: 0 });
    expect(createHash('sha256').update(out).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('runs under a TTY with the initial size, then resizes', async () => {
    const s = await api.exec(web(['sh', '-c', 'stty size; read x; stty size'], { stdin: true, tty: true, size: { cols: 100, rows: 30 } }));
    expect(s.stderr).toBeNull();
    let out = '';
    s.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    await expect.poll(() => out, { timeout: 20_000 }).toContain('30 100');
    s.resize({ cols: 120, rows: 40 });
    // The resize frame precedes the line on the same socket, so the shell sees the new size.
    s.stdin!.write('go\r');
    await expect.poll(() => out, { timeout: 20_000 }).toContain('40 120');
    expect(await s.done).toEqual({ exitCode: 0 });
  });

  it('rejects failed upgrades with the API server\'s message', async () => {
    const nf = await rejection(api.exec(web(['true'], { pod: 'nope' })));
    expect(nf.code).toBe('POD_NOT_FOUND');
    expect(nf.userMessage).toBe('pods "nope" not found');
    const fb = await rejection(api.exec(web(['true'], { identity: carol, namespace: 'prod', pod: 'db-0', container: 'db' })));
    expect(fb.code).toBe('FORBIDDEN');
    expect(fb.userMessage).toMatch(/User "carol" cannot (get|create) resource "pods\/exec" in API group "" in the namespace "prod"/);
    const bc = await rejection(api.exec(web(['true'], { container: 'nginx' })));
    expect(bc.code).toBe('CONTAINER_NOT_FOUND');
    expect(bc.userMessage).toContain('container nginx is not valid for pod web-7d9f');
  });

  it('reports a container that is not running as POD_NOT_RUNNING', async () => {
    const req = web(['true'], { namespace: 'prod', pod: 'pending-1' });
    const outcome = await api.exec(req).then(async (s) => (await run(s)).exit, (err: unknown) => (err as PodgateError).code);
    expect(outcome).toBe('POD_NOT_RUNNING');
  });

  it('pauses the stream while stdout is not read, then delivers everything', async () => {
    const total = 64 * 1024 * 1024;
    const s = await api.exec(web(['head', '-c', String(total), '/dev/zero']));
    await new Promise((r) => setTimeout(r, 1500));
    // Unread, podgate holds at most its Readable buffer plus one socket read.
    expect(s.stdout.readableLength).toBeLessThan(1024 * 1024);
    const started = process.hrtime.bigint();
    const { out, exit } = await run(s).then((r) => ({ out: r.out.length, exit: r.exit }));
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    expect({ out, exit }).toEqual({ out: total, exit: 0 });
    console.log(`kube-client: exec stdout ${(total / 1024 / 1024 / secs).toFixed(0)} MiB/s (64 MiB, TLS, emulator on this box)`);
  });

  it('reports an exec the API server drops mid-stream as API_ERROR', async () => {
    emu.fault({ dropExecAfterMs: 500 });
    try {
      const s = await api.exec(web(['sh', '-c', 'echo started; sleep 20']));
      const r = await run(s);
      expect(r.out).toBe('started\n');
      expect(r.exit).toBe('API_ERROR');
    } finally {
      emu.fault({ dropExecAfterMs: 0 });
    }
  });

  it('abort() cuts the stream and settles done', async () => {
    const s = await api.exec(web(['sleep', '30'], { stdin: true }));
    s.abort();
    const done = await s.done;
    expect('error' in done).toBe(true);
  });
});

describe('impersonation', () => {
  it('reaches the API server as the user with every group as its own entry', async () => {
    await api.getPod('default', 'web-7d9f', alice);
    await run(await api.exec(web(['true'])));
    const log = await emu.requests();
    const mine = log.filter((e) => e.path === '/api/v1/namespaces/default/pods/web-7d9f' || e.path.endsWith('/web-7d9f/exec'));
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const e of mine) {
      expect(e.user).toBe('system:serviceaccount:podgate:podgate');
      expect(e.impersonatedUser).toBe('alice');
      expect(e.impersonatedGroups).toEqual(expect.arrayContaining(['dev', 'ops']));
    }
    expect(log.every((e) => e.path.startsWith('/_emulator') || e.impersonatedUser !== undefined)).toBe(true);
  });
});

describe('REST', () => {
  it('gets pods, null for a missing one, FORBIDDEN with the message for another namespace', async () => {
    const pod = await api.getPod('prod', 'db-0', alice);
    expect(pod?.spec?.containers.map((c) => c.name)).toEqual(['db']);
    expect(pod?.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(await api.getPod('prod', 'nope', alice)).toBeNull();
    const err = await rejection(api.getPod('secret', 'vault-0', alice));
    expect(err.code).toBe('FORBIDDEN');
    expect(err.userMessage).toContain('"alice"');
  });

  it('resolves a deployment to its selector and lists its pods', async () => {
    const sel = await api.getWorkloadSelector('deployment', 'prod', 'web', alice);
    expect(sel).not.toBeNull();
    const pods = await api.listPods('prod', alice, { labelSelector: sel! });
    expect(pods.map((p) => p.metadata?.name).sort()).toEqual(['web-5d4c8b-q7m4z', 'web-5d4c8b-x2k9p']);
    expect(await api.getWorkloadSelector('statefulset', 'prod', 'db', alice)).not.toBeNull();
    expect(await api.getWorkloadSelector('deployment', 'prod', 'nope', alice)).toBeNull();
    const running = await api.listPods('prod', alice, { fieldSelector: 'status.phase=Running' });
    expect(running.every((p) => p.status?.phase === 'Running')).toBe(true);
  });

  it('answers access reviews as the impersonated user', async () => {
    const check = { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'prod' };
    expect((await api.canI(alice, check)).allowed).toBe(true);
    expect((await api.canI(alice, { ...check, namespace: 'staging' })).allowed).toBe(false);
    expect((await api.canI(carol, check)).allowed).toBe(false);
    expect((await api.canI(carol, { ...check, verb: 'get', subresource: undefined })).allowed).toBe(true);
  });
});

describe('failures of the API server', () => {
  it('times out a slow API server with API_TIMEOUT', async () => {
    const quick = client(700);
    emu.fault({ latencyMs: 3000 });
    try {
      expect((await rejection(quick.getPod('default', 'web-7d9f', alice))).code).toBe('API_TIMEOUT');
      expect((await rejection(quick.exec(web(['true'])))).code).toBe('API_TIMEOUT');
    } finally {
      emu.fault({ latencyMs: 0 });
    }
  });

  it('maps refused connections to API_UNREACHABLE', async () => {
    const fresh = client(5000);
    emu.fault({ refuseConnections: true });
    try {
      expect((await rejection(fresh.getPod('default', 'web-7d9f', alice))).code).toBe('API_UNREACHABLE');
      expect((await rejection(fresh.exec(web(['true'])))).code).toBe('API_UNREACHABLE');
    } finally {
      emu.fault({ refuseConnections: false });
    }
  });

  it('maps other API errors to API_ERROR with the status for the operator', async () => {
    emu.fault({ failNext: { count: 1, status: 500, pathPattern: '/pods/db-0$', message: 'etcdserver: request timed out' } });
    const err = await rejection(api.getPod('prod', 'db-0', alice));
    expect(err.code).toBe('API_ERROR');
    expect(err.operatorMessage).toContain('etcdserver: request timed out');
  });
});

describe('port-forward', () => {
  it('carries bytes to db-0:9000 and back', async () => {
    const p = await api.portForward({ namespace: 'prod', pod: 'db-0', port: 9000, identity: alice });
    const got: Buffer[] = [];
    p.socket.on('data', (d: Buffer) => got.push(d));
    const payload = Buffer.from('ping through the API server\n'.repeat(1000));
    p.socket.write(payload);
    await expect.poll(() => Buffer.concat(got).length, { timeout: 20_000 }).toBe(payload.length);
    expect(Buffer.concat(got).equals(payload)).toBe(true);
    p.socket.end();
    expect(await p.done).toEqual({});
  });

  it('reports a port nobody listens on through done.error', async () => {
    const p = await api.portForward({ namespace: 'prod', pod: 'db-0', port: 9999, identity: alice });
    p.socket.on('data', () => undefined);
    p.socket.write('x');
    const done = await p.done;
    expect(done.error?.code).toBe('API_ERROR');
  });
});

describe('logs', () => {
  it('returns the last lines with tailLines', async () => {
    await new Promise((r) => setTimeout(r, 2500)); // web-7d9f logs a line a second
    const l = await api.logs({ namespace: 'default', pod: 'web-7d9f', container: 'app', identity: alice, tailLines: 2 });
    const text = (await collect(l.stream)).toString();
    expect(text.split('\n').filter((x) => x !== '').length).toBe(2);
  });

  it('follows until aborted', async () => {
    const l = await api.logs({ namespace: 'default', pod: 'web-7d9f', container: 'app', identity: alice, follow: true, tailLines: 0 });
    let text = '';
    l.stream.on('data', (d: Buffer) => { text += d.toString(); });
    l.stream.on('error', () => undefined);
    await expect.poll(() => text.split('\n').length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    l.abort();
    await expect.poll(async () => {
      const e = (await emu.requests()).filter((r) => r.path.endsWith('/web-7d9f/log') && r.query.includes('follow=true'));
      return e.length > 0 && e.every((r) => r.closedAt !== undefined);
    }, { timeout: 20_000 }).toBe(true);
  });

  it('says why a waiting container has no log, as kubectl prints it', async () => {
    const err = await rejection(api.logs({ namespace: 'prod', pod: 'pending-1', container: 'app', identity: alice }));
    expect(err.userMessage).toBe('container "app" in pod "pending-1" is waiting to start: ContainerCreating');
  });
});
