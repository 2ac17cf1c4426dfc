/**
 * Minimal SPDY/3.1 session, server side, enough for spdystream clients (kubectl's SPDY exec):
 * SYN_STREAM opens a stream (answered by SYN_REPLY), DATA carries bytes (FIN half-closes),
 * RST_STREAM and GOAWAY end things, PING is echoed, SETTINGS / WINDOW_UPDATE / HEADERS are
 * read and ignored. Data is never held back on a flow-control window (spdystream keeps none);
 * received data is acknowledged with WINDOW_UPDATE so a client that does keep one goes on.
 * Header blocks use one zlib stream per direction with the SPDY/3 dictionary.
 */
import { Duplex } from 'node:stream';
import { constants as Z, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';

const CONTROL = 0x80;
const FLAG_FIN = 0x01;
const T_SYN_STREAM = 1;
const T_SYN_REPLY = 2;
const T_RST_STREAM = 3;
const T_PING = 6;
const T_GOAWAY = 7;
const T_WINDOW_UPDATE = 9;
/** Largest DATA frame payload this side writes. */
const MAX_DATA = 32 * 1024;
/** A frame longer than this ends the session (spdystream writes far smaller ones). */
const MAX_FRAME = 16 * 1024 * 1024;

export interface SpdyFrame {
  control: boolean;
  type: number;
  streamId: number;
  flags: number;
  data: Buffer;
}

/** Cuts the byte stream into frames. */
export class SpdyFrameReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(
    private readonly onFrame: (f: SpdyFrame) => void,
    private readonly onError: () => void,
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 8) {
      const len = this.buf.readUIntBE(5, 3);
      if (len > MAX_FRAME) { this.onError(); return; }
      if (this.buf.length < 8 + len) return;
      const control = (this.buf[0] & CONTROL) !== 0;
      const frame: SpdyFrame = {
        control,
        type: control ? this.buf.readUInt16BE(2) : 0,
        streamId: control ? 0 : this.buf.readUInt32BE(0) & 0x7fffffff,
        flags: this.buf[4],
        data: this.buf.subarray(8, 8 + len),
      };
      this.buf = this.buf.subarray(8 + len);
      this.onFrame(frame);
    }
  }
}

/** One zlib stream of a direction, run block by block with a sync flush. */
class HeaderZ {
  private out: Buffer[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  constructor(private readonly z: Inflate | Deflate) {
    z.on('data', (c: Buffer) => this.out.push(c));
    z.on('error', () => undefined);
  }

  run(input: Buffer): Promise<Buffer> {
    const next = this.queue.then(() => new Promise<Buffer>((resolve, reject) => {
      this.z.write(input);
      this.z.flush(Z.Z_SYNC_FLUSH, () => {
        const r = Buffer.concat(this.out);
        this.out = [];
        if (this.z.destroyed) reject(new Error('header compression failed'));
        else resolve(r);
      });
    }));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.z.destroy();
  }
}

function decodeHeaders(block: Buffer): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let off = 0;
  const read = (): string => {
    const n = block.readUInt32BE(off);
    off += 4;
    const s = block.toString('utf8', off, off + n);
    off += n;
    return s;
  };
  const count = block.readUInt32BE(off);
  off += 4;
  for (let i = 0; i < count; i++) {
    const name = read().toLowerCase();
    out[name] = read().split('\0')[0] ?? '';
  }
  return out;
}

function encodeHeaders(h: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  const entries = Object.entries(h);
  parts.push(u32(entries.length));
  for (const [k, v] of entries) {
    const kb = Buffer.from(k.toLowerCase());
    const vb = Buffer.from(v);
    parts.push(u32(kb.length), kb, u32(vb.length), vb);
  }
  return Buffer.concat(parts);
}

function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const f = Buffer.alloc(8 + body.length);
  f.writeUInt16BE(0x8003, 0);
  f.writeUInt16BE(type, 2);
  f.writeUInt32BE(body.length, 4);
  f[4] = flags;
  body.copy(f, 8);
  return f;
}

function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const f = Buffer.alloc(8 + data.length);
  f.writeUInt32BE(streamId & 0x7fffffff, 0);
  f.writeUInt32BE(data.length, 4);
  f[4] = flags;
  data.copy(f, 8);
  return f;
}

/** A client-opened stream: readable = the client's DATA, writable = ours; `end()` sends FIN. */
export class SpdyStream extends Duplex {
  constructor(
    readonly id: number,
    readonly headers: Record<string, string>,
    private readonly session: SpdySession,
  ) {
    super({ allowHalfOpen: true });
  }

  /** SYN_REPLY; the status is kept for the caller's own bookkeeping only (spdystream ignores it). */
  respond(_status: number, headers: Record<string, string>): void {
    this.session.reply(this.id, headers);
  }

  override _read(): void { /* data is pushed as frames arrive */ }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.session.sendData(this.id, chunk, false, cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.session.sendData(this.id, Buffer.alloc(0), true, cb);
  }
}

export class SpdySession {
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflate: HeaderZ;
  private readonly deflate: HeaderZ;
  private readonly streamCbs: ((s: SpdyStream) => void)[] = [];
  private readonly closeCbs: (() => void)[] = [];
  private replies: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly socket: Duplex, dictionary: Buffer) {
    this.inflate = new HeaderZ(createInflate({ dictionary }));
    this.deflate = new HeaderZ(createDeflate({ dictionary }));
  }

  onStream(cb: (s: SpdyStream) => void): void { this.streamCbs.push(cb); }

  onClose(cb: () => void): void {
    if (this.closed) cb();
    else this.closeCbs.push(cb);
  }

  handle(f: SpdyFrame): void {
    if (this.closed) return;
    if (!f.control) { this.onData(f); return; }
    switch (f.type) {
      case T_SYN_STREAM: {
        if (f.data.length < 10) { this.close(); return; }
        const id = f.data.readUInt32BE(0) & 0x7fffffff;
        const fin = (f.flags & FLAG_FIN) !== 0;
        // Header blocks must be inflated in arrival order; stream creation waits for it.
        this.inflate.run(Buffer.from(f.data.subarray(10))).then((block) => {
          if (this.closed) return;
          const s = new SpdyStream(id, decodeHeaders(block), this);
          this.streams.set(id, s);
          s.on('close', () => this.streams.delete(id));
          for (const cb of this.streamCbs) cb(s);
          if (fin) s.push(null);
        }, () => this.close());
        return;
      }
      case T_RST_STREAM: {
        const id = f.data.length >= 4 ? f.data.readUInt32BE(0) & 0x7fffffff : 0;
        this.streams.get(id)?.destroy();
        return;
      }
      case T_PING:
        this.write(controlFrame(T_PING, 0, f.data));
        return;
      case T_GOAWAY:
        this.close();
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE, HEADERS, SYN_REPLY: nothing to do here
    }
  }

  private onData(f: SpdyFrame): void {
    const s = this.streams.get(f.streamId);
    if (f.data.length > 0) {
      const wu = Buffer.alloc(8);
      wu.writeUInt32BE(f.streamId, 0);
      wu.writeUInt32BE(f.data.length, 4);
      this.write(controlFrame(T_WINDOW_UPDATE, 0, wu));
      const session = Buffer.alloc(8);
      session.writeUInt32BE(f.data.length, 4);
      this.write(controlFrame(T_WINDOW_UPDATE, 0, session));
    }
    if (!s) return;
    if (f.data.length > 0) s.push(Buffer.from(f.data));
    if ((f.flags & FLAG_FIN) !== 0) s.push(null);
  }

  reply(id: number, headers: Record<string, string>): void {
    // SYN_REPLYs go out in the order the header blocks were compressed.
    const compressed = this.deflate.run(encodeHeaders(headers));
    this.replies = this.replies.then(() => compressed).then((block) => {
      const body = Buffer.alloc(4 + block.length);
      body.writeUInt32BE(id & 0x7fffffff, 0);
      block.copy(body, 4);
      this.write(controlFrame(T_SYN_REPLY, 0, body));
    }, () => this.close());
  }

  sendData(id: number, data: Buffer, fin: boolean, cb: (e?: Error | null) => void): void {
    // Data on a stream follows its SYN_REPLY.
    void this.replies.then(() => {
      if (this.closed) { cb(); return; }
      let off = 0;
      let ok = true;
      do {
        const end = Math.min(data.length, off + MAX_DATA);
        ok = this.write(dataFrame(id, fin && end === data.length ? FLAG_FIN : 0, data.subarray(off, end)));
        off = end;
      } while (off < data.length);
      if (ok) cb();
      else this.socket.once('drain', () => cb());
    });
  }

  private write(buf: Buffer): boolean {
    if (this.closed || this.socket.destroyed) return true;
    return this.socket.write(buf);
  }

  close(): void {
    if (this.closed) return;
    const goaway = Buffer.alloc(8);
    this.write(controlFrame(T_GOAWAY, 0, goaway));
    this.closed = true;
    for (const s of this.streams.values()) s.destroy();
    this.streams.clear();
    this.inflate.close();
    this.deflate.close();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
    for (const cb of this.closeCbs.splice(0)) cb();
  }
}
