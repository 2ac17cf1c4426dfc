/**
 * An incremental reader of the WebSocket frames a server sends (RFC 6455 §5), for the exec
 * stream. Data frames are handed on as slices of the chunks the socket delivered, never
 * concatenated: a 64 KiB frame that arrived in four TLS records becomes four pieces, so a
 * relay allocates and copies nothing per frame (`ws` reassembles each message into a fresh
 * buffer first). Control frames (at most 125 bytes) are collected and handed on whole.
 *
 * Strict: server frames must not be masked, no extension (RSV) bits, no unknown opcodes,
 * control frames unfragmented and short, continuation only inside a fragmented message, and
 * a message may not exceed `maxMessageBytes`. A violation stops the reader with an error.
 */

export const Opcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface FrameHandler {
  /**
   * A piece of a data message's payload, in order. `start` marks the first piece of a message
   * (`text` tells its type); a message's pieces may be empty only when the message is.
   */
  data(piece: Buffer, start: boolean, text: boolean): void;
  /** A whole control frame (close, ping or pong) with its payload (a copy). */
  control(opcode: number, payload: Buffer): void;
  /** The stream broke the protocol; nothing more is read. */
  error(err: Error): void;
}

const MAX_CONTROL = 125;

export class WsFrameParser {
  readonly #h: FrameHandler;
  readonly #max: number;
  /** Header bytes gathered so far (at most 2 + 8 + 4). */
  readonly #head = Buffer.alloc(14);
  #headFill = 0;
  /** Payload bytes of the current frame still to come; -1 while reading a header. */
  #remaining = -1;
  #opcode = 0;
  #fin = false;
  /** The type of the fragmented data message in progress, or -1. */
  #messageOpcode = -1;
  #messageBytes = 0;
  #messageStarted = false;
  #control: Buffer | null = null;
  #controlFill = 0;
  #failed = false;

  constructor(handler: FrameHandler, maxMessageBytes: number) {
    this.#h = handler;
    this.#max = maxMessageBytes;
  }

  get failed(): boolean {
    return this.#failed;
  }

  /** Feeds one chunk from the socket. */
  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.#failed) {
      if (this.#remaining < 0) {
        pos = this.#readHeader(chunk, pos);
        continue;
      }
      const take = Math.min(this.#remaining, chunk.length - pos);
      this.#payload(chunk.subarray(pos, pos + take));
      pos += take;
      this.#remaining -= take;
      if (this.#remaining === 0) this.#endFrame();
    }
  }

  /** Reads header bytes from `chunk` at `pos`; returns the new position. */
  #readHeader(chunk: Buffer, pos: number): number {
    const h = this.#head;
    while (pos < chunk.length) {
      h[this.#headFill++] = chunk[pos++];
      const need = this.#headerLength();
      if (need < 0) return pos;
      if (this.#headFill === need) {
        this.#headFill = 0;
        this.#startFrame();
        return pos;
      }
    }
    return pos;
  }

  /** The header's full length once it can be told (-1: not yet). */
  #headerLength(): number {
    if (this.#headFill < 2) return -1;
    const len7 = this.#head[1] & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (this.#head[1] & 0x80 ? 4 : 0);
  }

  #startFrame(): void {
    const h = this.#head;
    this.#fin = (h[0] & 0x80) !== 0;
    this.#opcode = h[0] & 0x0f;
    if (h[0] & 0x70) return this.#fail('a reserved (extension) bit is set');
    if (h[1] & 0x80) return this.#fail('the server masked a frame');
    const len7 = h[1] & 0x7f;
    let length = len7;
    if (len7 === 126) length = h.readUInt16BE(2);
    else if (len7 === 127) {
      const hi = h.readUInt32BE(2);
      if (hi > 0x1fffff) return this.#fail('frame length out of range');
      length = hi * 2 ** 32 + h.readUInt32BE(6);
    }
    if (this.#opcode >= 8) {
      if (this.#opcode !== Opcode.close && this.#opcode !== Opcode.ping && this.#opcode !== Opcode.pong) return this.#fail(`unknown control opcode ${this.#opcode}`);
      if (!this.#fin || length > MAX_CONTROL) return this.#fail('a control frame is fragmented or longer than 125 bytes');
      this.#control = Buffer.allocUnsafe(length);
      this.#controlFill = 0;
    } else {
      if (this.#opcode === Opcode.continuation) {
        if (this.#messageOpcode < 0) return this.#fail('a continuation frame outside a message');
      } else if (this.#opcode === Opcode.text || this.#opcode === Opcode.binary) {
        if (this.#messageOpcode >= 0) return this.#fail('a new message inside a fragmented one');
        this.#messageOpcode = this.#opcode;
        this.#messageBytes = 0;
        this.#messageStarted = false;
      } else {
        return this.#fail(`unknown data opcode ${this.#opcode}`);
      }
      this.#messageBytes += length;
      if (this.#messageBytes > this.#max) return this.#fail(`a message longer than ${this.#max} bytes`);
    }
    this.#remaining = length;
    if (length === 0) this.#endFrame();
  }

  #payload(piece: Buffer): void {
    if (this.#control) {
      piece.copy(this.#control, this.#controlFill);
      this.#controlFill += piece.length;
      return;
    }
    this.#emitData(piece);
  }

  #emitData(piece: Buffer): void {
    const start = !this.#messageStarted;
    this.#messageStarted = true;
    this.#h.data(piece, start, this.#messageOpcode === Opcode.text);
  }

  #endFrame(): void {
    this.#remaining = -1;
    if (this.#control) {
      const payload = this.#control;
      this.#control = null;
      this.#h.control(this.#opcode, payload);
      return;
    }
    if (!this.#fin) return;
    // An empty message still starts (and ends) a message: its receiver sees one empty piece.
    if (!this.#messageStarted) this.#emitData(Buffer.alloc(0));
    this.#messageOpcode = -1;
  }

  #fail(message: string): void {
    this.#failed = true;
    this.#h.error(new Error(`websocket protocol error: ${message}`));
  }
}
