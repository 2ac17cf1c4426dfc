import { afterEach, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { maskedHeader, WsClientSocket } from './ws-client-socket.ts';
import { keepAlive } from './ws-keepalive.ts';

/** A server frame (unmasked, short or 16-bit length). */
function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const h = len < 126 ? Buffer.from([0x80 | opcode, len]) : Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]);
  return Buffer.concat([h, payload]);
}

let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

/** A connected pair: the server's end and a WsClientSocket (already resumed) on the other. */
async function pair(head: Buffer = Buffer.alloc(0)): Promise<{ peer: Socket; ws: WsClientSocket; got: [number, string][]; wire: () => Buffer }> {
  server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const c = connect((server.address() as { port: number }).port, '127.0.0.1');
  await once(c, 'connect');
  const [peer] = (await accepted) as [Socket];
  const received: Buffer[] = [];
  peer.on('data', (d: Buffer) => received.push(d));
  const ws = new WsClientSocket(c, 'v5.channel.k8s.io', head);
  const got: [number, string][] = [];
  ws.sink = (ch, piece) => got.push([ch, piece.toString()]);
  ws.resume();
  return { peer, ws, got, wire: () => Buffer.concat(received) };
}

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('WsClientSocket', () => {
  it('strips the channel byte, even from a message split across chunks, and reads what came with the upgrade', async () => {
    const { peer, got } = await pair(frame(2, Buffer.from('\x01early')));
    const msg = frame(2, Buffer.from('\x02hello'));
    peer.write(msg.subarray(0, 4));
    await new Promise((r) => setTimeout(r, 20));
    peer.write(msg.subarray(4));
    peer.write(frame(2, Buffer.from('\x03')));
    peer.write(frame(1, Buffer.from('\x01text is not exec data')));
    await until(() => got.length >= 3);
    expect(got.map(([c, s]) => `${c}:${s}`).join('|')).toBe('1:early|2:h|2:ello');
  });

  it('answers a ping with a pong masked by a zero key and sends data the same way', async () => {
    const { peer, ws, wire } = await pair();
    peer.write(frame(9, Buffer.from('pp')));
    await until(() => wire().length >= 8);
    expect(wire().subarray(0, 8)).toEqual(Buffer.from([0x8a, 0x82, 0, 0, 0, 0, 0x70, 0x70]));
    ws.send(Buffer.alloc(300, 7), { binary: true });
    await until(() => wire().length >= 8 + 8 + 300);
    expect(wire().subarray(8, 16)).toEqual(maskedHeader(2, 300));
    expect(wire().subarray(16)).toEqual(Buffer.alloc(300, 7));
  });

  it('echoes the server\'s CLOSE, ends, and reports its code', async () => {
    const { peer, ws, wire } = await pair();
    const closed = once(ws, 'close');
    peer.write(frame(8, Buffer.from([0x03, 0xe8])));
    const [code] = (await closed) as [number];
    expect(code).toBe(1000);
    expect(wire().subarray(0, 8)).toEqual(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
  });

  it('reports 1006 when the connection ends without CLOSE', async () => {
    const { peer, ws } = await pair();
    const closed = once(ws, 'close');
    peer.end();
    expect(((await closed) as [number])[0]).toBe(1006);
  });

  it('drops the connection on a protocol violation (a masked server frame)', async () => {
    const { peer, ws } = await pair();
    const errors: string[] = [];
    ws.on('error', (e: Error) => errors.push(e.message));
    const closed = new Promise((r) => ws.once('close', r));
    peer.write(Buffer.from([0x82, 0x81, 1, 2, 3, 4, 5]));
    await closed;
    expect(errors.join()).toMatch(/masked/);
  });

  it('keeps alive with pings a peer answers, and is terminated when the peer falls silent', async () => {
    const { peer, ws, wire } = await pair();
    let answering = true;
    // A ping from podgate: masked (zero key), empty. Answer each with a pong while `answering`.
    let seen = 0;
    peer.on('data', () => {
      const w = wire();
      for (; seen + 6 <= w.length; seen += 6) if (w[seen] === 0x89 && answering) peer.write(frame(10, Buffer.alloc(0)));
    });
    let closed = false;
    ws.once('close', () => { closed = true; });
    // Intervals generous enough for a loaded 2-core machine: a pong late by a whole interval
    // (a stalled event loop) would count as silence.
    keepAlive(ws, () => false, 250);
    await new Promise((r) => setTimeout(r, 1200));
    expect(closed).toBe(false);
    expect(seen).toBeGreaterThanOrEqual(12);
    answering = false;
    await until(() => closed);
    expect(closed).toBe(true);
  });
});
