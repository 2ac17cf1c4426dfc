/**
 * Runs the handshake (handshake.ts) on a TCP socket, as the accepting or the connecting
 * replica, and hands back the encrypted channel. Reads exactly the handshake's bytes, within
 * `timeoutMs`; anything else (wrong magic, wrong proof, too slow) destroys the socket and
 * rejects, so no unauthenticated byte ever reaches a handler.
 */
import type { Socket } from 'node:net';
import { SecureChannel } from './channel.ts';
import { HELLO_BYTES, MAC_BYTES, clientProof, hello, parseHello, proofMatches, serverProof, sessionKeys } from './handshake.ts';

class HandshakeError extends Error {}

interface Reader {
  read(n: number): Promise<Buffer>;
  /** What arrived beyond the last read. */
  rest(): Buffer;
}

function reader(socket: Socket, deadline: Promise<never>): Reader {
  let buf = Buffer.alloc(0);
  let want: { n: number; resolve: (b: Buffer) => void } | null = null;
  const settle = (): void => {
    if (want && buf.length >= want.n) {
      const out = buf.subarray(0, want.n);
      buf = buf.subarray(want.n);
      const w = want;
      want = null;
      w.resolve(Buffer.from(out));
    }
  };
  const onData = (c: Buffer): void => {
    buf = Buffer.concat([buf, c]);
    // A peer that sends more than the handshake before it is answered is not one of us.
    if (buf.length > HELLO_BYTES + MAC_BYTES) socket.destroy();
    settle();
  };
  socket.on('data', onData);
  return {
    read: (n) => Promise.race([new Promise<Buffer>((resolve) => { want = { n, resolve }; settle(); }), deadline]),
    rest: () => { socket.off('data', onData); return buf; },
  };
}

function guard(socket: Socket, timeoutMs: number): { deadline: Promise<never>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let onClose: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HandshakeError(`relay handshake took longer than ${timeoutMs} ms`)), timeoutMs);
    onClose = () => reject(new HandshakeError('relay peer closed the connection during the handshake'));
    socket.once('close', onClose);
  });
  deadline.catch(() => undefined);
  return { deadline, clear: () => { clearTimeout(timer); if (onClose) socket.off('close', onClose); } };
}

async function run(socket: Socket, timeoutMs: number, steps: (r: Reader) => Promise<SecureChannel>): Promise<SecureChannel> {
  socket.on('error', () => undefined);
  const g = guard(socket, timeoutMs);
  try {
    return await steps(reader(socket, g.deadline));
  } catch (err) {
    socket.destroy();
    throw err;
  } finally {
    g.clear();
  }
}

/** The accepting side: the peer must prove the secret first. */
export function acceptPeer(socket: Socket, secret: Buffer, timeoutMs: number): Promise<SecureChannel> {
  return run(socket, timeoutMs, async (r) => {
    const clientNonce = parseHello(await r.read(HELLO_BYTES));
    if (!clientNonce) throw new HandshakeError('not a podgate relay hello');
    const mine = hello();
    socket.write(mine.bytes);
    const t = { clientNonce, serverNonce: mine.nonce };
    if (!proofMatches(clientProof(secret, t), await r.read(MAC_BYTES))) throw new HandshakeError('relay peer failed authentication (wrong secret)');
    socket.write(serverProof(secret, t));
    const k = sessionKeys(secret, t);
    return new SecureChannel(socket, k.serverToClient, k.clientToServer, r.rest());
  });
}

/** The connecting side: checks that the replica it reached knows the secret too. */
export function connectPeer(socket: Socket, secret: Buffer, timeoutMs: number): Promise<SecureChannel> {
  return run(socket, timeoutMs, async (r) => {
    const mine = hello();
    socket.write(mine.bytes);
    const serverNonce = parseHello(await r.read(HELLO_BYTES));
    if (!serverNonce) throw new HandshakeError('not a podgate relay hello');
    const t = { clientNonce: mine.nonce, serverNonce };
    socket.write(clientProof(secret, t));
    if (!proofMatches(serverProof(secret, t), await r.read(MAC_BYTES))) throw new HandshakeError('relay peer failed authentication (wrong secret)');
    const k = sessionKeys(secret, t);
    return new SecureChannel(socket, k.clientToServer, k.serverToClient, r.rest());
  });
}
