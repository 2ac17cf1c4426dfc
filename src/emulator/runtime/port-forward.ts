/**
 * pods/portforward over WebSocket as the kubelet serves it: for the i-th requested port, data on
 * channel 2i and errors on 2i+1; the first frame of each channel carries the port (uint16 LE).
 * Each WebSocket opens one connection per port to the port *inside the pod*: `nsenter --net`
 * into the pod's namespace and `socat` to 127.0.0.1 (what dockershim did).
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { rejectUpgrade, upgrade } from './upgrade.ts';
import { WsSender } from './ws-sender.ts';
import { decodeFrame, negotiate, offeredProtocols, PORTFORWARD_PROTOCOLS } from './ws-protocols.ts';

export interface PortForwardContext {
  wss: WebSocketServer;
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  podUid: string;
  /** The pod's network namespace, or null to use the host's loopback (fallback). */
  netnsPath: string | null;
  ports: number[];
}

export function handlePortForwardUpgrade(c: PortForwardContext): void {
  c.socket.on('error', () => undefined);
  const offered = offeredProtocols(c.req.headers['sec-websocket-protocol']);
  const proto = negotiate(offered, PORTFORWARD_PROTOCOLS);
  if (!proto) {
    rejectUpgrade(c.socket, 400, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${PORTFORWARD_PROTOCOLS.join(' ')}]`);
    return;
  }
  if (c.ports.length === 0) {
    rejectUpgrade(c.socket, 400, 'query parameter "port" is required');
    return;
  }
  upgrade(c.wss, c.req, c.socket, c.head, proto.name, (ws) => serve(c, ws, proto.codec));
}

function serve(c: PortForwardContext, ws: WebSocket, codec: 'binary' | 'base64'): void {
  ws.on('error', () => undefined);
  const sender = new WsSender(ws, codec);
  const writers = new Map<number, (d: Buffer) => void>();
  let openConns = c.ports.length;
  const connDone = (): void => {
    if (--openConns === 0 && sender.open) sender.send(0, Buffer.alloc(0), () => ws.close(1000));
  };
  c.ports.forEach((port, i) => {
    const prefix = Buffer.from([port & 0xff, port >> 8]);
    sender.send(2 * i, prefix);
    sender.send(2 * i + 1, prefix);
    writers.set(2 * i, connectInPod(c, port, i, sender, ws, connDone));
  });
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    const frame = decodeFrame(codec, raw, isBinary);
    if (frame) writers.get(frame.channel)?.(frame.data);
  });
}

function connectInPod(c: PortForwardContext, port: number, i: number, sender: WsSender, ws: WebSocket, done: () => void): (d: Buffer) => void {
  const socat = ['/usr/bin/socat', '-t', '0.5', 'STDIO', `TCP4:127.0.0.1:${port}`];
  const argv = c.netnsPath ? ['/usr/bin/nsenter', `--net=${c.netnsPath}`, '--', ...socat] : socat;
  const child = spawn(argv[0] ?? '', argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' } });
  let errText = '';
  let gotData = false;
  child.stdin.on('error', () => undefined);
  child.stdout.on('error', () => undefined);
  child.stderr.on('error', () => undefined);
  child.stderr.on('data', (d: Buffer) => {
    errText += d.toString();
  });
  child.stdout.on('data', (d: Buffer) => {
    gotData = true;
    sender.send(2 * i, d);
  });
  sender.addProducer({ pause: () => child.stdout.pause(), resume: () => child.stdout.resume() });
  child.on('error', (e) => {
    errText += e.message;
  });
  child.on('close', (code) => {
    ws.resume();
    if (code !== 0 && !gotData) {
      const why = /Connection refused/.test(errText) ? 'connect: connection refused' : errText.trim().split('\n').pop() ?? `exit status ${code}`;
      const msg =
        `error forwarding port ${port} to pod ${c.podUid}, uid : failed to execute portforward in network namespace "${c.netnsPath ?? 'host'}": ` +
        `failed to connect to localhost:${port} inside namespace "${c.podUid}", IPv4: dial tcp4 127.0.0.1:${port}: ${why} `;
      sender.send(2 * i + 1, Buffer.from(msg));
    }
    done();
  });
  ws.once('close', () => {
    sender.release();
    child.stdin.end();
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('close', () => clearTimeout(t));
  });
  let awaitingDrain = false;
  return (d) => {
    if (!child.stdin.writable) return;
    if (!child.stdin.write(d) && !awaitingDrain) {
      awaitingDrain = true;
      ws.pause();
      child.stdin.once('drain', () => {
        awaitingDrain = false;
        ws.resume();
      });
    }
  };
}
