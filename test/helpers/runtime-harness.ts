/**
 * Test harness for the emulator's container runtime alone (no API server): a plain HTTP server
 * that routes WebSocket upgrades to the runtime, and a raw `ws` client that speaks the
 * remotecommand wire protocol. Owned by the runtime's engineer (src/emulator/runtime/).
 *   /exec/POD/CONTAINER?path=kubelet|apiserver-v5&command=..&stdin=1&stdout=1&stderr=1&tty=1
 *   /api/v1/namespaces/NS/pods/POD/portforward?ports=N   (the shape client-node builds)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import type { ContainerRuntime, StreamPath } from '../../src/emulator/runtime/types.ts';

export interface Harness {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const truthy = (v: string | null): boolean => v !== null && !/^(0|false)$/i.test(v);

export async function startHarness(runtime: ContainerRuntime, podUids: Record<string, string>): Promise<Harness> {
  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined);
    const u = new URL(req.url ?? '/', 'http://x');
    const parts = u.pathname.split('/').filter(Boolean);
    if (parts[0] === 'exec') {
      const pod = parts[1] ?? '';
      const q = u.searchParams;
      runtime.handleExec(
        req,
        socket,
        head,
        { podUid: podUids[pod] ?? 'none', podName: pod, container: parts[2] ?? '' },
        { command: q.getAll('command'), stdin: truthy(q.get('stdin')), stdout: truthy(q.get('stdout')), stderr: truthy(q.get('stderr')), tty: truthy(q.get('tty')) },
        (q.get('path') ?? 'apiserver-v5') as StreamPath,
      );
    } else if (parts[5] === 'portforward') {
      const pod = parts[4] ?? '';
      const ports = (u.searchParams.get('ports') ?? '').split(',').filter(Boolean).map(Number);
      runtime.handlePortForward(req, socket, head, { podUid: podUids[pod] ?? 'none', podName: pod }, ports);
    } else socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

interface ExecResult {
  protocol: string;
  frames: { channel: number; data: Buffer }[];
  stdout: string;
  stderr: string;
  status: string;
  closeCode: number;
}

export interface ExecClient {
  ws: WebSocket;
  opened: Promise<string>;
  /** Resolves when the socket closes. */
  result: Promise<ExecResult>;
  /** Resolves once stdout contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<string>;
  stdin(data: string | Buffer): void;
  closeStdin(): void;
  resize(json: string): void;
}

export function execUrl(base: string, pod: string, container: string, command: string[], o: { path?: StreamPath; stdin?: boolean; tty?: boolean; stderr?: boolean } = {}): string {
  const q = new URLSearchParams({ path: o.path ?? 'apiserver-v5', stdout: '1' });
  if (o.stderr !== false) q.set('stderr', '1');
  if (o.stdin) q.set('stdin', '1');
  if (o.tty) q.set('tty', '1');
  for (const c of command) q.append('command', c);
  return `${base.replace('http', 'ws')}/exec/${pod}/${container}?${q}`;
}

export function execClient(url: string, protocols: string[]): ExecClient {
  const ws = new WebSocket(url, protocols);
  const frames: { channel: number; data: Buffer }[] = [];
  let stdout = '';
  const waiters: { text: string; resolve: (s: string) => void }[] = [];
  ws.on('error', () => undefined);
  ws.on('message', (d: Buffer) => {
    const f = { channel: d[0] ?? -1, data: d.subarray(1) };
    frames.push(f);
    if (f.channel === 1) {
      stdout += f.data.toString();
      for (const w of waiters.slice()) {
        if (stdout.includes(w.text)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(stdout);
        }
      }
    }
  });
  const opened = new Promise<string>((resolve, reject) => {
    ws.once('open', () => resolve(ws.protocol));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(new Error(`HTTP ${res.statusCode}: ${body.trim()}`)));
    });
    ws.once('error', reject);
  });
  opened.catch(() => undefined);
  const result = new Promise<ExecResult>((resolve) => {
    ws.once('close', (code) => {
      const text = (ch: number): string => Buffer.concat(frames.filter((f) => f.channel === ch).map((f) => f.data)).toString();
      resolve({ protocol: ws.protocol, frames, stdout: text(1), stderr: text(2), status: text(3), closeCode: code });
    });
  });
  return {
    ws,
    opened,
    result,
    waitFor: (text, timeoutMs = 20_000) =>
      new Promise<string>((resolve, reject) => {
        if (stdout.includes(text)) return resolve(stdout);
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(text)}; got ${JSON.stringify(stdout)}`)), timeoutMs);
        waiters.push({ text, resolve: (s) => (clearTimeout(t), resolve(s)) });
      }),
    stdin: (data) => ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(data)])),
    closeStdin: () => ws.send(Buffer.from([255, 0])),
    resize: (json) => ws.send(Buffer.concat([Buffer.from([4]), Buffer.from(json)])),
  };
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function until<T>(fn: () => Promise<T> | T, timeoutMs = 20_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
