import { Writable } from 'node:stream';
import { SOCKET_OPEN, type StreamSocket } from './stream-socket.ts';
import { dataFrame } from './channel-frames.ts';

/** How many bytes may wait in `ws`'s send queue before writes wait for the socket. */
const SEND_HIGH_WATER = 256 * 1024;

/**
 * Sends one frame `[channel]+chunk` per write and completes the write at once while the
 * WebSocket's send queue is under SEND_HIGH_WATER, else when `ws` has flushed the frame to the
 * socket: a slow API connection pushes back on the writer. Writes after the WebSocket closed
 * are dropped (the process is gone; kubectl drops them too).
 */
export function sendFrame(ws: StreamSocket, channel: number, chunk: Uint8Array, cb: (err?: Error | null) => void): void {
  if (ws.readyState !== SOCKET_OPEN) {
    cb();
    return;
  }
  let called = false;
  // A send error means the socket died; its close handler reports that, so the write is
  // dropped as above rather than failed.
  ws.send(dataFrame(channel, chunk), { binary: true }, () => {
    if (called) return;
    called = true;
    cb();
  });
  if (!called && ws.bufferedAmount < SEND_HIGH_WATER) {
    called = true;
    cb();
  }
}

export interface ChannelWritableOptions {
  ws: StreamSocket;
  channel: number;
  /** Called once the writer has ended and its frames are queued (v5: send CLOSE). */
  onFinish: () => void;
}

export function channelWritable(opts: ChannelWritableOptions): Writable {
  return new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, cb) {
      if (chunk.length === 0) return cb();
      sendFrame(opts.ws, opts.channel, chunk, cb);
    },
    final(cb) {
      opts.onFinish();
      cb();
    },
  });
}
