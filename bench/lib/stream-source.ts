/**
 * A stream source for the relay matrix (bench/scenarios/relay-matrix.ts): a minimal
 * Kubernetes-API-like HTTPS server whose exec WebSocket (v5/v4.channel.k8s.io) serves
 * `head -c N /dev/zero` from memory, with no child process, so a run measures podgate and not
 * the emulator's runtime. Every other request (pod get, access reviews, discovery) is proxied
 * to the real emulator, which therefore still authenticates and authorises.
 *
 * The shape of the stream is set per run (`configure`):
 * - `frameKiB`: stdout bytes per WebSocket message (4, 16, 32, 64);
 * - `cipher`: the only TLS 1.3 suite the server accepts (for new connections);
 * - `split`:
 *   - `whole`: a Node server's habit: each message is one write, written as fast as the socket
 *     drains, so queued messages are coalesced into 16 KiB TLS records (the emulator's and the
 *     issue's "pipe" server).
 *   - `apiserver`: the kube-apiserver's: its v5 translator copies the kubelet's SPDY stream into
 *     the WebSocket with io.Copy (32 KiB buffer), so a message carries at most 32 KiB; each
 *     message is written through golang.org/x/net/websocket's 4 KiB bufio.Writer, i.e. as a
 *     4,096-byte write (header + first bytes) then the rest, and each Go TLS Write is cut into
 *     records of at most 16 KiB: records of 4096, 16384 and 12290 bytes per message. Writes are
 *     sequential (each waits for the previous one), as Go's blocking conn writes are, so the
 *     record boundaries survive. Go's dynamic record sizing of the first 128 KiB is not modelled.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { generateTls } from '../../src/emulator/tls.ts';

export type Split = 'whole' | 'apiserver';
export interface StreamShape { frameKiB: number; split: Split; cipher: string }

export interface StreamSource {
  url: string;
  caPem: string;
  configure(shape: StreamShape): void;
  writeKubeconfig(path: string, opts: { token: string }): void;
  /** The cipher of the last exec connection (to check `configure` took). */
  lastCipher(): string;
  close(): Promise<void>;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STATUS_OK = Buffer.from('{"metadata":{},"status":"Success"}');

/** The number of bytes a command asks for: `head -c N /dev/zero`, else 0 (e.g. `true`). */
function requestedBytes(command: string): number {
  const m = /head -c (\d+) \/dev\/zero/.exec(command);
  return m ? Number(m[1]) : 0;
}

/** A server (unmasked) binary frame header for a payload of `len` bytes. */
function header(opcode: number, len: number): Buffer {
  if (len < 126) return Buffer.from([0x80 | opcode, len]);
  if (len < 65536) return Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]);
  const h = Buffer.alloc(10);
  h[0] = 0x80 | opcode;
  h[1] = 127;
  h.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
  h.writeUInt32BE(len >>> 0, 6);
  return h;
}

/** One channel message as written: header, channel byte, `n` zero bytes. */
function message(channel: number, n: number, body?: Buffer): Buffer {
  const data = body ?? Buffer.alloc(n);
  return Buffer.concat([header(2, data.length + 1), Buffer.from([channel]), data]);
}

function write(socket: Socket, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.write(buf, (err) => (err ? reject(err) : resolve())));
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => { socket.off('close', closed); resolve(); };
    const closed = (): void => { socket.off('drain', done); reject(new Error('closed')); };
    socket.once('drain', done);
    socket.once('close', closed);
  });
}

/** Writes `total` zero bytes of stdout in the configured shape, then the status and CLOSE. */
async function pump(socket: Socket, total: number, shape: StreamShape): Promise<void> {
  const per = shape.split === 'apiserver' ? Math.min(shape.frameKiB * 1024, 32 * 1024) : shape.frameKiB * 1024;
  const full = message(1, per);
  let left = total;
  while (left > 0 && !socket.destroyed) {
    const msg = left >= per ? full : message(1, left);
    left -= Math.min(left, per);
    if (shape.split === 'apiserver') {
      await write(socket, msg.subarray(0, 4096));
      if (msg.length > 4096) await write(socket, msg.subarray(4096));
    } else if (!socket.write(msg)) {
      await drained(socket);
    }
  }
  socket.write(message(3, 0, STATUS_OK));
  socket.write(Buffer.concat([header(8, 2), Buffer.from([0x03, 0xe8])]));
  socket.end();
}

/** Answers the client's pings (client-go pings every 5 s); ignores its data. Client frames are masked. */
function readClient(socket: Socket): void {
  let buf: Buffer = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = buf.readUInt32BE(6);
        off = 10;
      }
      const key = buf[1] & 0x80 ? buf.subarray(off, off + 4) : null;
      if (key) off += 4;
      if (buf.length < off + len) return;
      if (opcode === 9 && !socket.destroyed) {
        const payload = Buffer.from(buf.subarray(off, off + len));
        if (key) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
        socket.write(Buffer.concat([header(10, payload.length), payload]));
      }
      buf = buf.subarray(off + len);
    }
  });
  socket.on('error', () => undefined);
}

function upstreamOf(kubeconfigPath: string): { url: URL; ca: string } {
  const kc = parse(readFileSync(kubeconfigPath, 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[] };
  const c = kc.clusters[0].cluster;
  return { url: new URL(c.server), ca: Buffer.from(c['certificate-authority-data'], 'base64').toString('utf8') };
}

/** Starts the source on 127.0.0.1 (ephemeral port), proxying non-exec requests to `upstreamKubeconfig`'s server. */
export async function startStreamSource(opts: { dir: string; upstreamKubeconfig: string }): Promise<StreamSource> {
  const tls = await generateTls(opts.dir);
  const up = upstreamOf(opts.upstreamKubeconfig);
  const agent = new https.Agent({ keepAlive: true, ca: up.ca });
  let shape: StreamShape = { frameKiB: 64, split: 'whole', cipher: 'TLS_AES_128_GCM_SHA256' };
  let lastCipher = '';
  const context = (cipher: string): https.ServerOptions => ({ cert: tls.certPem, key: tls.keyPem, minVersion: 'TLSv1.3', ciphers: cipher });
  const proxy = (req: IncomingMessage, res: ServerResponse): void => {
    const headers = { ...req.headers, host: up.url.host };
    const out = https.request({ agent, hostname: up.url.hostname, port: up.url.port, method: req.method, path: req.url, headers }, (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      ures.pipe(res);
    });
    out.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
    req.pipe(out);
  };
  const server = https.createServer(context(shape.cipher), proxy);
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'https://x');
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const protocol = PROTOCOLS.find((p) => offered.includes(p));
    if (!url.pathname.endsWith('/exec') || !protocol) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    lastCipher = (socket as unknown as { getCipher(): { standardName: string } }).getCipher().standardName;
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}${GUID}`).digest('base64');
    socket.setNoDelay(true);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`);
    readClient(socket);
    const n = requestedBytes(url.searchParams.getAll('command').join(' '));
    pump(socket, n, shape).catch(() => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    caPem: tls.caPem,
    configure(s) {
      shape = s;
      server.setSecureContext(context(s.cipher));
    },
    writeKubeconfig(path, o) {
      const ca = Buffer.from(tls.caPem).toString('base64');
      writeFileSync(path, [
        'apiVersion: v1', 'kind: Config', 'current-context: src',
        'clusters: [{name: src, cluster: {server: "' + url + '", certificate-authority-data: ' + ca + '}}]',
        'users: [{name: src, user: {token: ' + o.token + '}}]',
        'contexts: [{name: src, context: {cluster: src, user: src}}]', '',
      ].join('\n'), { mode: 0o600 });
    },
    lastCipher: () => lastCipher,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); agent.destroy(); }),
  };
}
