/**
 * A tiny stand-in for the API server (plain http + ws) for the client's unit tests: it
 * records what arrived (raw header lines, query) and lets each test script the answer.
 * Protocol conformance is test/kube-client.test.ts against the real emulator.
 */
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';
import { PodgateError } from '../../errors/index.ts';
import { createKubeApi, type KubeClient } from '../index.ts';

export type RestHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
export type WsHandler = (ws: WebSocket, req: http.IncomingMessage) => void;
export interface Seen {
  method: string;
  url: URL;
  rawHeaders: string[];
}

export class FakeApi {
  readonly seen: Seen[] = [];
  rest: RestHandler = () => undefined;
  onWs: WsHandler = () => undefined;
  pickProtocol: (offered: Set<string>) => string | false = () => false;
  /** When set, upgrades are answered with this status and body instead of 101. */
  upgradeAnswer: { status: number; body: string } | null = null;
  api!: KubeClient;
  readonly #dir = mkdtempSync(join(tmpdir(), 'podgate-kube-'));
  readonly #server: http.Server;
  readonly #wss: WebSocketServer;
  readonly #clients: KubeClient[] = [];

  private constructor() {
    this.#wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => this.pickProtocol(offered) });
    this.#server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.#record(req);
        this.rest(req, res, Buffer.concat(chunks).toString());
      });
    });
    this.#server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      this.#record(req);
      socket.on('error', () => undefined);
      if (this.upgradeAnswer) {
        const { status, body } = this.upgradeAnswer;
        socket.end(`HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => undefined);
        this.onWs(ws, req);
      });
    });
  }

  static async start(requestTimeoutMs = 1500): Promise<FakeApi> {
    const f = new FakeApi();
    f.#server.listen(0, '127.0.0.1');
    await once(f.#server, 'listening');
    f.api = f.client(`http://127.0.0.1:${(f.#server.address() as net.AddressInfo).port}`, requestTimeoutMs);
    f.reset();
    return f;
  }

  /** A client for another server URL (closed with this fake). */
  client(server: string, requestTimeoutMs = 1500): KubeClient {
    const path = join(this.#dir, `kc-${this.#clients.length}.yaml`);
    writeFileSync(path, [
      'apiVersion: v1', 'kind: Config', 'current-context: c',
      `clusters: [{name: k, cluster: {server: "${server}"}}]`,
      'users: [{name: u, user: {token: podgate-token}}]',
      'contexts: [{name: c, context: {cluster: k, user: u}}]', '',
    ].join('\n'));
    const c = createKubeApi({ kubeconfig: path, requestTimeoutMs });
    this.#clients.push(c);
    return c;
  }

  /** Back to defaults: v5 preferred, REST answers 500, WebSockets closed at once. */
  reset(): void {
    this.seen.length = 0;
    this.upgradeAnswer = null;
    this.pickProtocol = (offered) => (offered.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : [...offered][0] ?? false);
    this.rest = (_req, res) => res.writeHead(500).end(status(500, 'unexpected'));
    this.onWs = (ws) => ws.close(1000);
  }

  async close(): Promise<void> {
    for (const c of this.#clients) c.close();
    for (const c of this.#wss.clients) c.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise((r) => this.#server.close(r));
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #record(req: http.IncomingMessage): void {
    this.seen.push({ method: req.method ?? '', url: new URL(req.url ?? '/', 'http://x'), rawHeaders: req.rawHeaders });
  }
}

export const alice = { user: 'alice', groups: ['dev', 'ops'] };

/** Every value of one header, one entry per header line as it came on the wire. */
export function headerLines(raw: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === name.toLowerCase()) out.push(raw[i + 1]);
  return out;
}

export const status = (code: number, message: string): string =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'x', code });

export async function rejection(p: Promise<unknown>): Promise<PodgateError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PodgateError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

export async function collect(r: NodeJS.ReadableStream | null): Promise<string> {
  if (!r) return '';
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

/** A port nothing listens on (bound, then closed). */
export async function deadPort(): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return port;
}
