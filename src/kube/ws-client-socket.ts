import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Opcode, WsFrameParser } from './ws-frame-parser.ts';
import type { StreamSocket } from './stream-socket.ts';

const State = { open: 1, closing: 2, closed: 3 } as const;
/** After podgate sent CLOSE, how long the server gets to answer before the socket is cut. */
const CLOSE_TIMEOUT_MS = 5000;
/** The largest message accepted (what `ws` was configured with). */
const MAX_MESSAGE = 16 * 1024 * 1024;

/** Receives each piece of a channel message's payload (a slice: copy it to keep it). */
export type ChannelSink = (channel: number, piece: Buffer) => void;

/**
 * The client side of an upgraded Kubernetes channel WebSocket (v4/v5.channel.k8s.io), over
 * the raw (TLS) socket: frames are parsed straight from the socket's chunks and each message's
 * payload goes to the sink as slices with the channel byte taken off. Frames podgate sends are
 * masked with a zero key (RFC 6455 requires a mask, not a secret one; the masking exists for
 * browsers, and `ws` offers the same as `generateMask`), so no payload is rewritten. Starts
 * paused: call `resume()` once the sink is set.
 *
 * Events: 'message' (a data message began), 'pong', 'error' (only when listened to), 'close'
 * (code: the server's close code, 1005 without one, 1006 when the socket ended without CLOSE).
 */
export class WsClientSocket extends EventEmitter implements StreamSocket {
  readonly protocol: string;
  readyState: number = State.open;
  readonly #socket: Socket;
  readonly #parser: WsFrameParser;
  #head: Buffer | null;
  #sink: ChannelSink = () => {};
  #channel = -1;
  #skip = false;
  #closeCode = 1006;
  #closeSent = false;
  #closeTimer: NodeJS.Timeout | undefined;

  constructor(socket: Socket, protocol: string, head: Buffer) {
    super();
    this.protocol = protocol;
    this.#socket = socket;
    this.#head = head.length > 0 ? head : null;
    this.#parser = new WsFrameParser({
      data: (piece, start, text) => this.#data(piece, start, text),
      control: (opcode, payload) => this.#control(opcode, payload),
      error: (err) => {
        this.#error(err);
        this.terminate();
      },
    }, MAX_MESSAGE);
    socket.pause();
    socket.on('data', (chunk: Buffer) => this.#parser.push(chunk));
    socket.on('end', () => socket.end());
    socket.on('error', (err) => this.#error(err));
    socket.on('close', () => {
      this.readyState = State.closed;
      if (this.#closeTimer) clearTimeout(this.#closeTimer);
      this.emit('close', this.#closeCode);
    });
  }

  /** Where channel data goes (set before the first `resume()`). */
  set sink(fn: ChannelSink) {
    this.#sink = fn;
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    const head = this.#head;
    this.#head = null;
    if (head) this.#parser.push(head);
    this.#socket.resume();
  }

  /** Sends one binary message (the caller's channel frame). */
  send(data: Buffer, _options: { binary: boolean }, cb?: (err?: Error | null) => void): void {
    if (this.readyState !== State.open) {
      if (cb) process.nextTick(cb, new Error('websocket is not open'));
      return;
    }
    this.#write(Opcode.binary, data, cb);
  }

  ping(): void {
    if (this.readyState === State.open) this.#write(Opcode.ping, Buffer.alloc(0));
  }

  /** Starts the closing handshake; the socket is cut if the server does not answer. */
  close(code = 1000): void {
    if (this.readyState !== State.open) return;
    this.readyState = State.closing;
    this.#sendClose(code);
    this.#closeTimer = setTimeout(() => this.#socket.destroy(), CLOSE_TIMEOUT_MS);
    this.#closeTimer.unref();
  }

  terminate(): void {
    if (this.readyState === State.closed) return;
    this.readyState = State.closing;
    this.#socket.destroy();
  }

  #data(piece: Buffer, start: boolean, text: boolean): void {
    if (start) {
      this.#skip = text;
      this.#channel = -1;
      this.emit('message');
    }
    if (this.#skip || piece.length === 0) return;
    let payload = piece;
    if (this.#channel < 0) {
      this.#channel = piece[0];
      payload = piece.subarray(1);
      if (payload.length === 0) return;
    }
    this.#sink(this.#channel, payload);
  }

  #control(opcode: number, payload: Buffer): void {
    if (opcode === Opcode.ping) {
      if (this.readyState === State.open) this.#write(Opcode.pong, payload);
    } else if (opcode === Opcode.pong) {
      this.emit('pong');
    } else if (opcode === Opcode.close) {
      this.#closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      if (!this.#closeSent) this.#sendClose(this.#closeCode === 1005 ? 1000 : this.#closeCode);
      this.readyState = State.closing;
      this.#socket.end();
    }
  }

  #sendClose(code: number): void {
    this.#closeSent = true;
    const body = Buffer.allocUnsafe(2);
    body.writeUInt16BE(code >= 1000 && code < 5000 && code !== 1005 && code !== 1006 ? code : 1000, 0);
    this.#write(Opcode.close, body);
  }

  #write(opcode: number, payload: Buffer, cb?: (err?: Error | null) => void): void {
    const s = this.#socket;
    if (s.destroyed || !s.writable) {
      if (cb) process.nextTick(cb, new Error('websocket is not open'));
      return;
    }
    s.cork();
    s.write(maskedHeader(opcode, payload.length));
    if (payload.length > 0) s.write(payload, cb);
    else if (cb) s.write(payload, cb);
    s.uncork();
  }

  #error(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}

/** A client frame header: FIN, `opcode`, the length, and a zero masking key. */
export function maskedHeader(opcode: number, length: number): Buffer {
  const ext = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const h = Buffer.alloc(2 + ext + 4);
  h[0] = 0x80 | opcode;
  if (ext === 0) h[1] = 0x80 | length;
  else if (ext === 2) {
    h[1] = 0x80 | 126;
    h.writeUInt16BE(length, 2);
  } else {
    h[1] = 0x80 | 127;
    h.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    h.writeUInt32BE(length >>> 0, 6);
  }
  return h;
}
