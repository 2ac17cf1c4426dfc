/**
 * The client against a tiny in-test API server (plain http + ws): what goes on the wire
 * (impersonation header lines, queries, frames) and how answers map. The real protocol
 * conformance is test/kube-client.test.ts against the emulator.
 */
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { PodgateError } from '../errors/index.ts';
import { createKubeApi, type KubeClient } from './index.ts';

type RestHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
type WsHandler = (ws: WebSocket, req: http.IncomingMessage) => void;

const alice = { user: 'alice', groups: ['dev', 'ops'] };
let server: http.Server;
let wss: WebSocketServer;
let dir: string;
let api: KubeClient;
let rest: RestHandler;
let onWs: WsHandler;
let pickProtocol: (offered: Set<string>) => string | false;
let upgradeAnswer: { status: number; body: string } | null;
const seen: Array<{ method: string; url: URL; rawHeaders: string[] }> = [];

function kubeconfig(server: string): string {
  const path = join(dir, `kc-${seen.length}-${Math.random()}.yaml`);
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config', 'current-context: c',
    'clusters: [{name: k, cluster: {server: "' + server + '"}}]',
    'users: [{name: u, user: {token: podgate-token}}]',
    'contexts: [{name: c, context: {cluster: k, user: u}}]', '',
  ].join('\n'));
  return path;
}

function headerLines(raw: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name.toLowerCase()) out.push(raw[i + 1]!);
  return out;
}

const status = (code: number, message: string): string =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'x', code });

async function rejection(p: Promise<unknown>): Promise<PodgateError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PodgateError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'podgate-kube-'));
  wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => pickProtocol(offered),
  });
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: new URL(req.url ?? '/', 'http://x'), rawHeaders: req.rawHeaders });
      rest(req, res, Buffer.concat(chunks).toString());
    });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    seen.push({ method: req.method ?? '', url: new URL(req.url ?? '/', 'http://x'), rawHeaders: req.rawHeaders });
    socket.on('error', () => undefined);
    if (upgradeAnswer) {
      const { status: code, body } = upgradeAnswer;
      socket.end(`HTTP/1.1 ${code} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      onWs(ws, req);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  api = createKubeApi({ kubeconfig: kubeconfig(`http://127.0.0.1:${port}`), requestTimeoutMs: 1500 });
});

afterAll(async () => {
  api.close();
  for (const c of wss.clients) c.terminate();
  wss.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  seen.length = 0;
  upgradeAnswer = null;
  pickProtocol = (offered) => (offered.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : [...offered][0] ?? false);
  rest = (_req, res) => res.writeHead(500).end(status(500, 'unexpected'));
  onWs = (ws) => ws.close(1000);
});

describe('REST', () => {
  it('impersonates with one Impersonate-Group line per group and the kubeconfig token', async () => {
    rest = (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({
      kind: 'Pod', metadata: { name: 'web', namespace: 'prod', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { containers: [{ name: 'app' }] },
    }));
    const pod = await api.getPod('prod', 'web', alice);
    expect(pod?.metadata?.name).toBe('web');
    expect(pod?.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const req = seen[0]!;
    expect(req.url.pathname).toBe('/api/v1/namespaces/prod/pods/web');
    expect(headerLines(req.rawHeaders, 'impersonate-user')).toEqual(['alice']);
    expect(headerLines(req.rawHeaders, 'impersonate-group')).toEqual(['dev', 'ops']);
    expect(headerLines(req.rawHeaders, 'authorization')).toEqual(['Bearer podgate-token']);
  });

  it('gives null for a missing pod and FORBIDDEN with the API message for 403', async () => {
    rest = (_req, res) => res.writeHead(404).end(status(404, 'pods "nope" not found'));
    expect(await api.getPod('prod', 'nope', alice)).toBeNull();
    rest = (_req, res) => res.writeHead(403).end(status(403, 'pods "web" is forbidden: User "alice" cannot get resource "pods"'));
    const err = await rejection(api.getPod('prod', 'web', alice));
    expect(err.code).toBe('FORBIDDEN');
    expect(err.userMessage).toContain('cannot get resource "pods"');
  });

  it('lists pods with selectors, in one namespace or all', async () => {
    rest = (_req, res) => res.writeHead(200).end(JSON.stringify({ items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] }));
    const pods = await api.listPods('prod', alice, { labelSelector: 'app=web,env in (a,b)', fieldSelector: 'status.phase=Running' });
    expect(pods.map((p) => p.metadata?.name)).toEqual(['a', 'b']);
    expect(seen[0]!.url.searchParams.get('labelSelector')).toBe('app=web,env in (a,b)');
    expect(seen[0]!.url.searchParams.get('fieldSelector')).toBe('status.phase=Running');
    await api.listPods(null, alice);
    expect(seen[1]!.url.pathname).toBe('/api/v1/pods');
  });

  it('reads workload selectors from apps/v1 and batch/v1, null when absent', async () => {
    rest = (req, res) => {
      if (req.url?.includes('/nope')) return res.writeHead(404).end(status(404, 'not found'));
      res.writeHead(200).end(JSON.stringify({ spec: { selector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 't', operator: 'Exists' }] } } }));
    };
    expect(await api.getWorkloadSelector('statefulset', 'prod', 'db', alice)).toBe('app=db,t');
    expect(seen[0]!.url.pathname).toBe('/apis/apps/v1/namespaces/prod/statefulsets/db');
    await api.getWorkloadSelector('job', 'prod', 'migrate', alice);
    expect(seen[1]!.url.pathname).toBe('/apis/batch/v1/namespaces/prod/jobs/migrate');
    expect(await api.getWorkloadSelector('deployment', 'prod', 'nope', alice)).toBeNull();
  });

  it('asks a SelfSubjectAccessReview as the identity', async () => {
    let body: { spec?: { resourceAttributes?: Record<string, string> } } = {};
    rest = (_req, res, b) => {
      body = JSON.parse(b) as typeof body;
      res.writeHead(201).end(JSON.stringify({ status: { allowed: false, reason: 'no RBAC rule' } }));
    };
    const r = await api.canI(alice, { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'prod', name: 'web' });
    expect(r).toEqual({ allowed: false, reason: 'no RBAC rule' });
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.url.pathname).toBe('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
    expect(headerLines(seen[0]!.rawHeaders, 'impersonate-group')).toEqual(['dev', 'ops']);
    expect(body.spec?.resourceAttributes).toEqual({ namespace: 'prod', verb: 'create', group: '', resource: 'pods', subresource: 'exec', name: 'web' });
  });

  it('retries once when a kept-alive socket dies under a request', async () => {
    const served = new WeakSet<object>();
    rest = (req, res) => {
      if (served.has(req.socket)) {
        req.socket.destroy(); // as a server that closed the idle connection at that instant
        return;
      }
      served.add(req.socket);
      res.writeHead(201).end(JSON.stringify({ status: { allowed: true } }));
    };
    const check = { verb: 'get', resource: 'pods', namespace: 'prod' };
    expect((await api.canI(alice, check)).allowed).toBe(true);
    expect((await api.canI(alice, check)).allowed).toBe(true);
    expect(seen.length).toBe(3); // two answered, one cut and retried
  });

  it('times out a silent server with API_TIMEOUT and maps a refused connection to API_UNREACHABLE', async () => {
    rest = () => undefined; // never answers
    const err = await rejection(api.getPod('prod', 'web', alice));
    expect(err.code).toBe('API_TIMEOUT');
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const deadPort = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const dead = createKubeApi({ kubeconfig: kubeconfig(`http://127.0.0.1:${deadPort}`), requestTimeoutMs: 1500 });
    expect((await rejection(dead.getPod('prod', 'web', alice))).code).toBe('API_UNREACHABLE');
    expect((await rejection(dead.exec({ namespace: 'prod', pod: 'p', container: 'c', command: ['true'], identity: alice, stdin: false, tty: false }))).code)
      .toBe('API_UNREACHABLE');
    dead.close();
  });
});

const execReq = { namespace: 'prod', pod: 'web', container: 'app', identity: alice };

/** Collects a Readable to one Buffer. */
async function collect(r: NodeJS.ReadableStream | null): Promise<string> {
  if (!r) return '';
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

const exitStatus = (code: number): string => JSON.stringify({
  metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: exit ${code}`, reason: 'NonZeroExitCode',
  details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
});

describe('exec', () => {
  it('sends kubectl\'s query, separates stdout from stderr and reads the exit code', async () => {
    onWs = (ws) => {
      ws.send(Buffer.from([1]));
      ws.send(Buffer.from('\x01out'));
      ws.send(Buffer.from('\x02err'));
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(exitStatus(3))]));
      ws.close(1000);
    };
    const s = await api.exec({ ...execReq, command: ['sh', '-c', 'echo out; echo err >&2; exit 3'], stdin: false, tty: false });
    expect(s.protocol).toBe('v5.channel.k8s.io');
    expect(s.stdin).toBeNull();
    const [out, err, done] = await Promise.all([collect(s.stdout), collect(s.stderr), s.done]);
    expect([out, err, done]).toEqual(['out', 'err', { exitCode: 3 }]);
    const q = seen[0]!.url.searchParams;
    expect(q.getAll('command')).toEqual(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(Object.fromEntries(['container', 'stdin', 'stdout', 'stderr', 'tty'].map((k) => [k, q.get(k)])))
      .toEqual({ container: 'app', stdin: 'false', stdout: 'true', stderr: 'true', tty: 'false' });
    expect(headerLines(seen[0]!.rawHeaders, 'impersonate-group')).toEqual(['dev', 'ops']);
    expect(headerLines(seen[0]!.rawHeaders, 'sec-websocket-protocol')[0]!.split(',').map((p) => p.trim()))
      .toEqual(['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  });

  it('gives stdin EOF with v5 CLOSE after the data', async () => {
    const got: number[][] = [];
    onWs = (ws) => {
      ws.on('message', (d: Buffer) => {
        got.push([...d]);
        if (d[0] === 0) ws.send(Buffer.concat([Buffer.from([1]), d.subarray(1)]));
        if (d[0] === 255) {
          ws.send(Buffer.from('\x03{"metadata":{},"status":"Success"}'));
          ws.close(1000);
        }
      });
    };
    const s = await api.exec({ ...execReq, command: ['cat'], stdin: true, tty: false });
    s.stdin!.end('hi');
    const [out, done] = await Promise.all([collect(s.stdout), s.done, collect(s.stderr)]);
    expect(out).toBe('hi');
    expect(done).toEqual({ exitCode: 0 });
    expect(got).toEqual([[0, 104, 105], [255, 0]]);
  });

  it('records v4 when the server offers no v5, and sends no CLOSE then', async () => {
    pickProtocol = (offered) => (offered.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false);
    const got: number[][] = [];
    onWs = (ws) => {
      ws.on('message', (d: Buffer) => {
        got.push([...d]);
        ws.send(Buffer.from('\x03{"metadata":{},"status":"Success"}'));
        ws.close(1000);
      });
    };
    const s = await api.exec({ ...execReq, command: ['cat'], stdin: true, tty: false });
    expect(s.protocol).toBe('v4.channel.k8s.io');
    s.stdin!.end('x');
    await Promise.all([collect(s.stdout), collect(s.stderr), s.done]);
    expect(got).toEqual([[0, 120]]);
  });

  it('sends the initial size first under a TTY, then each resize, and has no stderr', async () => {
    const got: string[] = [];
    let peer: WebSocket | undefined;
    onWs = (ws) => {
      peer = ws;
      ws.on('message', (d: Buffer) => got.push(`${d[0]}:${d.subarray(1).toString()}`));
    };
    const s = await api.exec({ ...execReq, command: ['bash'], stdin: true, tty: true, size: { cols: 100, rows: 30 } });
    expect(s.stderr).toBeNull();
    expect(seen[0]!.url.searchParams.get('stderr')).toBe('false');
    expect(seen[0]!.url.searchParams.get('tty')).toBe('true');
    s.resize({ cols: 120, rows: 40 });
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(2);
    expect(got).toEqual(['4:{"Width":100,"Height":30}', '4:{"Width":120,"Height":40}']);
    peer!.send(Buffer.from('\x03{"metadata":{},"status":"Success"}'));
    peer!.close(1000);
    expect(await Promise.all([collect(s.stdout), s.done]).then((r) => r[1])).toEqual({ exitCode: 0 });
  });

  it('reports a stream that closes without a status as API_ERROR', async () => {
    onWs = (ws) => {
      ws.send(Buffer.from('\x01partial'));
      ws.close(1000);
    };
    const s = await api.exec({ ...execReq, command: ['x'], stdin: false, tty: false });
    const [out, , done] = await Promise.all([collect(s.stdout), collect(s.stderr), s.done]);
    expect(out).toBe('partial');
    expect('error' in done && done.error.code).toBe('API_ERROR');
    expect('error' in done && done.error.operatorMessage).toContain('without status');
  });

  it('maps a not-running container on channel 3 to POD_NOT_RUNNING', async () => {
    onWs = (ws) => {
      ws.send(Buffer.from('\x03' + JSON.stringify({ status: 'Failure', reason: 'InternalError', code: 500,
        message: 'Internal error occurred: unable to upgrade connection: container not found ("app")' })));
      ws.close(1000);
    };
    const s = await api.exec({ ...execReq, command: ['x'], stdin: false, tty: false });
    const [, , done] = await Promise.all([collect(s.stdout), collect(s.stderr), s.done]);
    expect('error' in done && done.error.code).toBe('POD_NOT_RUNNING');
  });

  it('rejects failed upgrades with the API\'s own message', async () => {
    const cases: Array<[number, string, string]> = [
      [404, 'pods "nope" not found', 'POD_NOT_FOUND'],
      [403, 'pods "web" is forbidden: User "alice" cannot get resource "pods/exec" in API group "" in the namespace "prod"', 'FORBIDDEN'],
      [400, 'container nginx is not valid for pod web', 'CONTAINER_NOT_FOUND'],
      [400, 'pod web does not have a host assigned', 'POD_NOT_RUNNING'],
    ];
    for (const [code, message, expected] of cases) {
      upgradeAnswer = { status: code, body: status(code, message) };
      const err = await rejection(api.exec({ ...execReq, command: ['x'], stdin: false, tty: false }));
      expect(err.code).toBe(expected);
      expect(err.userMessage).toBe(message);
    }
  });

  it('times out an upgrade that never answers', async () => {
    const silent = net.createServer((sock) => sock.on('error', () => undefined));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const slow = createKubeApi({ kubeconfig: kubeconfig(`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`), requestTimeoutMs: 500 });
    const err = await rejection(slow.exec({ ...execReq, command: ['x'], stdin: false, tty: false }));
    expect(err.code).toBe('API_TIMEOUT');
    slow.close();
    silent.close();
  });

  it('rejects bad arguments with a PodgateError too (the KubeApi promise)', async () => {
    const e = await rejection(api.exec({ ...execReq, command: [], stdin: false, tty: false }));
    expect(e.code).toBe('INTERNAL');
    const h = await rejection(api.getPod('prod', 'web', { user: 'alice\r\nX: y', groups: [] }));
    expect(h.code).toBe('INTERNAL');
  });

  it('abort() drops the stream and settles done', async () => {
    let serverSawClose = false;
    onWs = (ws) => ws.on('close', () => { serverSawClose = true; });
    const s = await api.exec({ ...execReq, command: ['sleep', '100'], stdin: true, tty: false });
    s.abort();
    const done = await s.done;
    expect('error' in done).toBe(true);
    await expect.poll(() => serverSawClose, { timeout: 5000 }).toBe(true);
  });
});

describe('backpressure', () => {
  it('pauses the API socket while stdout is not read, and loses nothing', async () => {
    const total = 32 * 1024 * 1024;
    let sent = 0;
    let peer: WebSocket | undefined;
    onWs = (ws) => {
      peer = ws;
      const chunk = Buffer.alloc(32 * 1024 + 1, 7);
      chunk[0] = 1;
      // Send as fast as ws lets us, i.e. as fast as TCP drains: a client that pauses stalls this.
      const pump = (): void => {
        while (sent < total && ws.bufferedAmount < 1024 * 1024) {
          ws.send(chunk);
          sent += chunk.length - 1;
        }
        if (sent < total) setTimeout(pump, 5);
        else {
          ws.send(Buffer.from('\x03{"metadata":{},"status":"Success"}'));
          ws.close(1000);
        }
      };
      pump();
    };
    const s = await api.exec({ ...execReq, command: ['cat', '/dev/zero'], stdin: false, tty: false });
    // Nobody reads stdout: the server must stall well short of the total.
    await expect.poll(() => peer !== undefined && peer.bufferedAmount > 512 * 1024, { timeout: 10_000 }).toBe(true);
    const stalledAt = sent;
    await new Promise((r) => setTimeout(r, 300));
    expect(sent).toBe(stalledAt);
    expect(sent).toBeLessThan(total);
    // Client side holds little: the Readable's buffer plus at most one socket read.
    expect(s.stdout.readableLength).toBeLessThan(1024 * 1024);
    let received = 0;
    s.stdout.on('data', (c: Buffer) => { received += c.length; });
    const [, done] = await Promise.all([collect(s.stderr), s.done]);
    expect(done).toEqual({ exitCode: 0 });
    expect(received).toBe(total);
  });

  it('makes stdin writes wait while the API socket does not drain', async () => {
    let peer: WebSocket | undefined;
    let receivedBytes = 0;
    onWs = (ws) => {
      peer = ws;
      ws.on('message', (d: Buffer) => {
        if (d[0] === 0) receivedBytes += d.length - 1;
        if (d[0] === 255) {
          ws.send(Buffer.from('\x03{"metadata":{},"status":"Success"}'));
          ws.close(1000);
        }
      });
    };
    const s = await api.exec({ ...execReq, command: ['cat'], stdin: true, tty: false });
    await expect.poll(() => peer !== undefined, { timeout: 5000 }).toBe(true);
    peer!.pause(); // the API server stops reading
    const chunk = Buffer.alloc(64 * 1024, 1);
    let written = 0;
    let more = true;
    while (more && written < 64 * 1024 * 1024) {
      more = s.stdin!.write(chunk);
      written += chunk.length;
    }
    expect(more).toBe(false);
    // write() said stop; no drain comes while the server does not read.
    let drained = false;
    s.stdin!.once('drain', () => { drained = true; });
    await new Promise((r) => setTimeout(r, 300));
    expect(drained).toBe(false);
    expect(written).toBeLessThan(64 * 1024 * 1024);
    peer!.resume();
    await expect.poll(() => drained, { timeout: 10_000 }).toBe(true);
    s.stdin!.end();
    await Promise.all([collect(s.stdout), collect(s.stderr), s.done]);
    expect(receivedBytes).toBe(written);
  });
});

describe('port-forward', () => {
  it('strips the port prefix, echoes bytes and ends when the API closes', async () => {
    onWs = (ws) => {
      ws.send(Buffer.from([0, 0x28, 0x23]));
      ws.send(Buffer.from([1, 0x28, 0x23]));
      ws.on('message', (d: Buffer) => {
        if (d[0] !== 0) return;
        ws.send(d);
        if (d.subarray(1).toString().endsWith('.')) ws.close(1000);
      });
    };
    const p = await api.portForward({ namespace: 'prod', pod: 'db-0', port: 9000, identity: alice });
    expect(seen[0]!.url.pathname).toBe('/api/v1/namespaces/prod/pods/db-0/portforward');
    expect(seen[0]!.url.searchParams.get('ports')).toBe('9000');
    p.socket.write('hello ');
    p.socket.write('world.');
    const [text, done] = await Promise.all([collect(p.socket), p.done]);
    expect(text).toBe('hello world.');
    expect(done).toEqual({});
  });

  it('turns error-channel text into done.error', async () => {
    onWs = (ws) => {
      ws.send(Buffer.from([0, 0x50, 0x00]));
      ws.send(Buffer.concat([Buffer.from([1, 0x50, 0x00]), Buffer.from('error forwarding port 80 to pod x: connection refused')]));
    };
    const p = await api.portForward({ namespace: 'prod', pod: 'db-0', port: 80, identity: alice });
    const [, done] = await Promise.all([collect(p.socket), p.done]);
    expect(done.error?.code).toBe('API_ERROR');
    expect(done.error?.operatorMessage).toContain('connection refused');
  });
});

describe('logs', () => {
  it('streams raw bytes with the options as query, and abort ends a follow', async () => {
    let serverClosed = false;
    rest = (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write(Buffer.from([0xff, 0x00, 0x41, 0x0a]));
      req.socket.on('close', () => { serverClosed = true; });
    };
    const l = await api.logs({ namespace: 'prod', pod: 'web', container: 'app', identity: alice, follow: true, tailLines: 5, sinceSeconds: 60, timestamps: true });
    const q = seen[0]!.url.searchParams;
    expect(Object.fromEntries(q)).toEqual({ container: 'app', follow: 'true', tailLines: '5', sinceSeconds: '60', timestamps: 'true' });
    expect(headerLines(seen[0]!.rawHeaders, 'impersonate-group')).toEqual(['dev', 'ops']);
    const first = await new Promise<Buffer>((r) => l.stream.once('data', r));
    expect([...first]).toEqual([0xff, 0x00, 0x41, 0x0a]);
    l.abort();
    await expect.poll(() => serverClosed, { timeout: 5000 }).toBe(true);
  });

  it('rejects with the API message as kubectl prints it', async () => {
    rest = (_req, res) => res.writeHead(400).end(status(400, 'container "app" in pod "pending-1" is waiting to start: ContainerCreating'));
    const err = await rejection(api.logs({ namespace: 'prod', pod: 'pending-1', container: 'app', identity: alice }));
    expect(err.userMessage).toBe('container "app" in pod "pending-1" is waiting to start: ContainerCreating');
  });
});
