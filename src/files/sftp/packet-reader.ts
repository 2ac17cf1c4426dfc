import { STATUS } from './constants.ts';
import type { Attrs } from './attrs.ts';
import { ATTR_FLAGS } from './constants.ts';

/** A malformed packet: answered with SSH_FX_BAD_MESSAGE. */
export class BadMessage extends Error {
  readonly status = STATUS.BAD_MESSAGE;
}

/** Cursor over one packet's payload. Strings are binary (latin1): file names are bytes. */
export class PacketReader {
  readonly #buf: Buffer;
  #off: number;

  constructor(buf: Buffer, off = 0) {
    this.#buf = buf;
    this.#off = off;
  }

  #need(n: number): void {
    if (this.#off + n > this.#buf.length) throw new BadMessage('truncated packet');
  }

  u8(): number { this.#need(1); return this.#buf[this.#off++]; }
  u32(): number { this.#need(4); const v = this.#buf.readUInt32BE(this.#off); this.#off += 4; return v; }
  u64(): number {
    this.#need(8);
    const v = this.#buf.readBigUInt64BE(this.#off);
    this.#off += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new BadMessage('offset too large');
    return Number(v);
  }
  bytes(): Buffer { const n = this.u32(); this.#need(n); const b = this.#buf.subarray(this.#off, this.#off + n); this.#off += n; return b; }
  string(): string { return this.bytes().toString('latin1'); }

  attrs(): Attrs {
    const flags = this.u32();
    const a: Attrs = {};
    if (flags & ATTR_FLAGS.SIZE) a.size = this.u64();
    if (flags & ATTR_FLAGS.UIDGID) { a.uid = this.u32(); a.gid = this.u32(); }
    if (flags & ATTR_FLAGS.PERMISSIONS) a.mode = this.u32();
    if (flags & ATTR_FLAGS.ACMODTIME) { a.atime = this.u32(); a.mtime = this.u32(); }
    if (flags & ATTR_FLAGS.EXTENDED) {
      const n = this.u32();
      for (let i = 0; i < n; i++) { this.bytes(); this.bytes(); }
    }
    return a;
  }
}

/**
 * Splits a byte stream into SFTP packets (uint32 length, then type and payload). Returns
 * whole packets (without the length) as they complete.
 */
export class PacketFramer {
  #chunks: Buffer[] = [];
  #len = 0;
  readonly #max: number;

  constructor(maxPacket: number) {
    this.#max = maxPacket;
  }

  push(chunk: Buffer): Buffer[] {
    this.#chunks.push(chunk);
    this.#len += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.#len < 4) break;
      const head = this.#peek(4);
      const n = head.readUInt32BE(0);
      if (n > this.#max + 1024 || n === 0) throw new BadMessage(`bad packet length ${n}`);
      if (this.#len < 4 + n) break;
      const all = this.#take(4 + n);
      out.push(all.subarray(4));
    }
    return out;
  }

  #peek(n: number): Buffer {
    if (this.#chunks[0].length >= n) return this.#chunks[0];
    this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0];
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0];
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift(); else this.#chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.#chunks);
      out = all.subarray(0, n);
      this.#chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.#len -= n;
    return out;
  }
}
