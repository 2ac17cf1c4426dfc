/**
 * The floor of podgate's design, for the relay matrix: a bare TLS + WebSocket reader of an exec
 * stream written straight into an ssh2 channel (used by bench/lib/ssh2-bare.ts in relay mode).
 * No policy, sessions, Readables or gates: TLS connect, upgrade, frames parsed as slices
 * (src/kube/ws-frame-parser.ts, the parser podgate uses), stdout written to the channel,
 * socket paused while the channel's window is full.
 */
import { connect } from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { ServerChannel } from 'ssh2';
import { WsFrameParser } from '../../src/kube/ws-frame-parser.ts';

export function relayExec(ch: ServerChannel, sourceUrl: string, caPem: string, command: string): void {
  const url = new URL(sourceUrl);
  const socket = connect({ host: url.hostname, port: Number(url.port), ca: caPem, servername: 'localhost' });
  let exitSent = false;
  const finish = (code: number): void => {
    if (exitSent) return;
    exitSent = true;
    ch.exit(code);
    ch.end();
  };
  socket.on('error', () => finish(1));
  socket.on('close', () => finish(1));
  ch.on('close', () => socket.destroy());
  let channel = -1;
  const parser = new WsFrameParser({
    data: (piece, start) => {
      if (start) channel = -1;
      let p = piece;
      if (channel < 0 && p.length > 0) {
        channel = p[0];
        p = p.subarray(1);
      }
      if (channel === 1 && p.length > 0 && !ch.write(p)) socket.pause();
    },
    control: (opcode) => {
      if (opcode === 8) finish(0);
    },
    error: () => socket.destroy(),
  }, 16 * 1024 * 1024);
  ch.on('drain', () => socket.resume());
  socket.once('secureConnect', () => {
    socket.setNoDelay(true);
    const q = `command=sh&command=-c&command=${encodeURIComponent(command)}&stdout=true&stderr=true`;
    socket.write([
      `GET /api/v1/namespaces/default/pods/floor/exec?${q} HTTP/1.1`, `Host: ${url.host}`, 'Connection: Upgrade', 'Upgrade: websocket',
      'Sec-WebSocket-Version: 13', `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Protocol: v5.channel.k8s.io', '', '',
    ].join('\r\n'));
    let head: Buffer | null = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      if (head === null) return parser.push(d);
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!head.subarray(0, 12).toString().includes('101')) return socket.destroy();
      const rest = head.subarray(end + 4);
      head = null;
      if (rest.length > 0) parser.push(rest);
    });
  });
}
