/**
 * An authenticated ssh2 Client that can also send arbitrary SSH messages after the handshake
 * (malformed, truncated, out of order), for the protocol fuzzer. It reaches into ssh2's
 * protocol object (`_protocol`, `_chanMgr`): test-only, pinned with ssh2's exact version.
 */
import ssh2 from 'ssh2';
import type { Channel } from 'ssh2';
// @ts-expect-error ssh2 ships no types for its internals
import protocolUtils from 'ssh2/lib/protocol/utils.js';

const { Client } = ssh2;
const { sendPacket } = protocolUtils as { sendPacket: (proto: unknown, packet: Buffer) => boolean };

export const MSG = {
  IGNORE: 2, UNIMPLEMENTED: 3, DEBUG: 4, GLOBAL_REQUEST: 80, CHANNEL_OPEN: 90, CHANNEL_WINDOW_ADJUST: 93,
  CHANNEL_DATA: 94, CHANNEL_EXTENDED_DATA: 95, CHANNEL_EOF: 96, CHANNEL_CLOSE: 97, CHANNEL_REQUEST: 98,
} as const;

/** Builds an SSH message payload field by field. */
export class Msg {
  readonly #parts: Buffer[] = [];
  constructor(type: number) { this.byte(type); }
  byte(n: number): this { this.#parts.push(Buffer.from([n & 0xff])); return this; }
  bool(b: boolean): this { return this.byte(b ? 1 : 0); }
  u32(n: number): this { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0, 0); this.#parts.push(b); return this; }
  str(s: string | Buffer): this { const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s; this.u32(b.length); this.#parts.push(b); return this; }
  raw(b: Buffer): this { this.#parts.push(b); return this; }
  done(): Buffer { return Buffer.concat(this.#parts); }
}

interface Internals {
  _protocol: { _packetRW: { write: { allocStart: number; alloc(n: number): Buffer; finalize(p: Buffer): Buffer } } };
  _chanMgr: { add(cb: unknown): number };
  _callbacks: ((hadErr: boolean) => void)[];
}

export interface RawConn {
  client: InstanceType<typeof Client>;
  closed: Promise<void>;
  isClosed(): boolean;
  /** Sends one SSH message payload (type byte first) as the client. */
  send(payload: Buffer): void;
  /** Opens a channel of `type` with `extra` type-specific data; resolves with it or the refusal. */
  open(type: string, extra?: Buffer): Promise<Channel | Error>;
  /** A global request with want-reply; resolves true/false, or null when none came within `ms`. */
  globalRequest(name: string, data?: Buffer, ms?: number): Promise<boolean | null>;
  /** A channel request with want-reply; resolves true (success), false, or null on no reply. */
  channelRequest(ch: Channel, type: string, data?: Buffer, ms?: number): Promise<boolean | null>;
  end(): void;
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(fallback), ms);
    void p.then((v) => { clearTimeout(t); resolve(v); });
  });
}

export function rawConnect(opts: { port: number; username: string; privateKey: string; timeoutMs?: number }): Promise<RawConn> {
  const client = new Client();
  const internals = client as unknown as Internals;
  let closed = false;
  const closedP = new Promise<void>((r) => client.once('close', () => { closed = true; r(); }));
  client.on('error', () => {});
  const conn: RawConn = {
    client,
    closed: closedP,
    isClosed: () => closed,
    send(payload) {
      if (closed) return;
      const w = internals._protocol._packetRW.write;
      const p = w.allocStart;
      const packet = w.alloc(payload.length);
      payload.copy(packet, p);
      sendPacket(internals._protocol, w.finalize(packet));
    },
    open(type, extra = Buffer.alloc(0)) {
      return new Promise((resolve) => {
        if (closed) { resolve(new Error('connection closed')); return; }
        const wrapper = (err: Error | undefined, ch: Channel): void => resolve(err ?? ch);
        (wrapper as unknown as { type: string }).type = type;
        const local = internals._chanMgr.add(wrapper);
        if (local < 0) { resolve(new Error('no free channel ids')); return; }
        void closedP.then(() => resolve(new Error('connection closed')));
        conn.send(new Msg(MSG.CHANNEL_OPEN).str(type).u32(local).u32(2 * 1024 * 1024).u32(32768).raw(extra).done());
      });
    },
    globalRequest(name, data = Buffer.alloc(0), ms = 10_000) {
      const reply = new Promise<boolean | null>((resolve) => {
        internals._callbacks.push((hadErr) => resolve(!hadErr));
        void closedP.then(() => resolve(null));
        conn.send(new Msg(MSG.GLOBAL_REQUEST).str(name).bool(true).raw(data).done());
      });
      return withTimeout(reply, ms, null);
    },
    channelRequest(ch, type, data = Buffer.alloc(0), ms = 10_000) {
      const c = ch as unknown as { _callbacks: ((hadErr: boolean) => void)[]; outgoing: { id: number } };
      const reply = new Promise<boolean | null>((resolve) => {
        c._callbacks.push((hadErr) => resolve(!hadErr));
        ch.once('close', () => resolve(null));
        void closedP.then(() => resolve(null));
        conn.send(new Msg(MSG.CHANNEL_REQUEST).u32(c.outgoing.id).str(type).bool(true).raw(data).done());
      });
      return withTimeout(reply, ms, null);
    },
    end() { client.end(); },
  };
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { client.end(); reject(new Error('raw ssh connect timed out')); }, opts.timeoutMs ?? 30_000);
    client.once('ready', () => { clearTimeout(t); resolve(conn); });
    client.once('error', (err) => { clearTimeout(t); reject(err); });
    client.connect({ host: '127.0.0.1', port: opts.port, username: opts.username, privateKey: opts.privateKey, readyTimeout: opts.timeoutMs ?? 30_000 });
  });
}

/** The id the server knows a client channel by (for hand-built channel messages). */
export function remoteId(ch: Channel): number {
  return (ch as unknown as { outgoing: { id: number } }).outgoing.id;
}
