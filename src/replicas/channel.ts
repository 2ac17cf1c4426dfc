/**
 * The relay's framing after the handshake: every message is `uint32 length | AES-256-GCM
 * ciphertext | 16-byte tag` of `type(1) | payload`, with one key per direction and the frame
 * counter as IV, so a frame that is altered, dropped, replayed or reordered fails
 * authentication and ends the connection. Backpressure: `send` returns what `socket.write`
 * returned, and `pause`/`resume` stop reading from the peer.
 */
import { EventEmitter } from 'node:events';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { Socket } from 'node:net';

const MAX_PAYLOAD = 64 * 1024;
const TAG = 16;

export const MessageType = {
  /** front → holder: JSON request ({op, user, id, cols, rows}). */
  request: 1,
  /** holder → front: JSON answer ({ok: true, ...} or {ok: false, code, message}). */
  answer: 2,
  /** terminal bytes, both ways. */
  data: 3,
  /** front → holder: JSON {cols, rows}. */
  resize: 4,
  /** holder → front: JSON {reason, exitCode?}: the attachment is over. */
  end: 5,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

function iv(counter: bigint): Buffer {
  const b = Buffer.alloc(12);
  b.writeBigUInt64BE(counter, 4);
  return b;
}

export interface SecureChannelEvents {
  message: [type: number, payload: Buffer];
  close: [error: Error | undefined];
  newListener: [event: string | symbol, listener: unknown];
}

export class SecureChannel extends EventEmitter<SecureChannelEvents> {
  #sendCounter = 0n;
  #recvCounter = 0n;
  #buf: Buffer = Buffer.alloc(0);
  #closed = false;

  constructor(private readonly socket: Socket, private readonly sendKey: Buffer, private readonly recvKey: Buffer, leftover: Buffer) {
    super();
    socket.on('data', (c: Buffer) => this.#onData(c));
    socket.on('error', (err) => this.#close(err));
    socket.on('close', () => this.#close(undefined));
    socket.on('end', () => socket.end());
    // Messages wait (undecoded, the socket paused) while nobody listens: between the answer and
    // the terminal that takes the channel over, nothing is lost.
    this.on('newListener', (event) => {
      if (event === 'message') queueMicrotask(() => { this.#onData(Buffer.alloc(0)); });
    });
    if (leftover.length > 0) queueMicrotask(() => this.#onData(leftover));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one message (payloads over MAX_PAYLOAD are split only for `data`). */
  send(type: MessageType, payload: Buffer | string | object = Buffer.alloc(0)): boolean {
    if (this.#closed) return false;
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    if (body.length > MAX_PAYLOAD) {
      if (type !== MessageType.data) throw new RangeError('relay message too large');
      let ok = true;
      for (let i = 0; i < body.length; i += MAX_PAYLOAD) ok = this.send(type, body.subarray(i, i + MAX_PAYLOAD));
      return ok;
    }
    const cipher = createCipheriv('aes-256-gcm', this.sendKey, iv(this.#sendCounter++));
    const enc = Buffer.concat([cipher.update(Buffer.from([type])), cipher.update(body), cipher.final(), cipher.getAuthTag()]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(enc.length);
    return this.socket.write(Buffer.concat([head, enc]));
  }

  onDrain(cb: () => void): void {
    this.socket.once('drain', cb);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Ends the connection after what was sent. */
  end(): void {
    if (!this.#closed) this.socket.end();
  }

  destroy(err?: Error): void {
    this.socket.destroy();
    this.#close(err);
  }

  #close(err: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close', err);
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    while (this.#buf.length >= 4 && !this.#closed) {
      if (this.listenerCount('message') === 0) {
        // Bounded: a paused socket stops reading, so at most one socket read more waits here.
        this.socket.pause();
        return;
      }
      const len = this.#buf.readUInt32BE(0);
      if (len < TAG + 1 || len > MAX_PAYLOAD + 1 + TAG) { this.destroy(new Error(`relay frame of ${len} bytes refused`)); return; }
      if (this.#buf.length < 4 + len) return;
      const frame = this.#buf.subarray(4, 4 + len);
      this.#buf = this.#buf.subarray(4 + len);
      let plain: Buffer;
      try {
        const d = createDecipheriv('aes-256-gcm', this.recvKey, iv(this.#recvCounter++));
        d.setAuthTag(frame.subarray(frame.length - TAG));
        plain = Buffer.concat([d.update(frame.subarray(0, frame.length - TAG)), d.final()]);
      } catch {
        this.destroy(new Error('relay frame failed authentication'));
        return;
      }
      this.emit('message', plain[0] ?? 0, plain.subarray(1));
    }
  }
}
