import { displayPath, type FileOpEvent, type FileOpSink } from '../file-op-audit.ts';
import { OPEN_FLAGS, PKT } from './constants.ts';
import { PacketReader } from './packet-reader.ts';

const STATUS_NAMES = ['ok', 'eof', 'No such file', 'Permission denied', 'Failure', 'Bad message', 'No connection', 'Connection lost', 'Operation unsupported'];

/** A client request the tap cannot attribute a reply to unambiguously. */
export interface TapViolation {
  reason: 'request id reused';
  requestId: number;
  /** Offset in the client's byte stream where the offending packet starts. */
  offset: number;
}

/**
 * Watches an SFTP conversation it does not take part in (the sftp-server fast path) and emits
 * FILE_OP events for the changing requests once their STATUS arrives. It reads only packet
 * heads for WRITE and DATA, so bulk data is never copied.
 *
 * Replies are matched to requests by id, so a client that sends a second request with the id
 * of one still outstanding could have one request's reply audited as the other's. The tap
 * tracks every outstanding id: a reused one is a protocol violation (`violation` is set and
 * the client's later packets are ignored); the caller must not pass that packet on.
 */
export class SftpTap {
  readonly #sink: FileOpSink;
  /** Ids of client requests not yet answered (any type). */
  readonly #outstanding = new Set<number>();
  /** INIT seen and its VERSION not yet. */
  #initPending = false;
  violation: TapViolation | null = null;
  readonly #pending = new Map<number, Omit<FileOpEvent, 'result'> | { openPath: string } | { closeHandle: string }>();
  readonly #writes = new Map<string, { path: string; size: number }>();
  readonly client = new PacketScanner((p) => { this.#fromClient(p); }, PKT.WRITE);
  readonly server = new PacketScanner((p) => { this.#fromServer(p); }, PKT.DATA);

  constructor(sink: FileOpSink) {
    this.#sink = sink;
  }

  /** Every request the server was given (INIT included) has its answer. */
  get answered(): boolean {
    return this.#outstanding.size === 0 && !this.#initPending;
  }

  #fromClient(p: Buffer): void {
    try {
      const r = new PacketReader(p, 1);
      const type = p[0];
      if (this.violation !== null) return;
      if (type === PKT.INIT) { this.#initPending = true; return; }
      const id = r.u32();
      if (this.#outstanding.has(id)) {
        this.violation = { reason: 'request id reused', requestId: id, offset: this.client.packetStart };
        return;
      }
      this.#outstanding.add(id);
      const path = (): string => displayPath(r.string());
      switch (type) {
        case PKT.OPEN: {
          const name = r.string();
          if ((r.u32() & (OPEN_FLAGS.WRITE | OPEN_FLAGS.CREAT | OPEN_FLAGS.TRUNC | OPEN_FLAGS.APPEND)) !== 0) this.#pending.set(id, { openPath: displayPath(name) });
          return;
        }
        case PKT.WRITE: {
          const w = this.#writes.get(r.string());
          r.u64();
          if (w !== undefined) w.size += r.u32();
          return;
        }
        case PKT.CLOSE: this.#pending.set(id, { closeHandle: r.string() }); return;
        case PKT.REMOVE: this.#pending.set(id, { op: 'remove', path: path() }); return;
        case PKT.MKDIR: this.#pending.set(id, { op: 'mkdir', path: path() }); return;
        case PKT.RMDIR: this.#pending.set(id, { op: 'rmdir', path: path() }); return;
        case PKT.SETSTAT: this.#pending.set(id, { op: 'setstat', path: path() }); return;
        case PKT.RENAME: { const from = path(); this.#pending.set(id, { op: 'rename', path: from, target: path() }); return; }
        case PKT.SYMLINK: { const target = path(); this.#pending.set(id, { op: 'symlink', path: path(), target }); return; }
        case PKT.EXTENDED: {
          const ext = r.string();
          if (ext === 'posix-rename@openssh.com') { const from = path(); this.#pending.set(id, { op: 'rename', path: from, target: path() }); }
          if (ext === 'hardlink@openssh.com') { const from = path(); this.#pending.set(id, { op: 'link', path: path(), target: from }); }
          return;
        }
        default:
      }
    } catch {
      /* a packet the server will reject anyway */
    }
  }

  #fromServer(p: Buffer): void {
    try {
      const r = new PacketReader(p, 1);
      const type = p[0];
      if (type === PKT.VERSION) { this.#initPending = false; return; }
      const id = r.u32();
      this.#outstanding.delete(id);
      const pending = this.#pending.get(id);
      if (pending === undefined) return;
      this.#pending.delete(id);
      if ('openPath' in pending) {
        if (type === PKT.HANDLE) this.#writes.set(r.string(), { path: pending.openPath, size: 0 });
        else if (type === PKT.STATUS) this.#sink({ op: 'write', path: pending.openPath, size: 0, result: STATUS_NAMES[r.u32()] ?? 'Failure' });
        return;
      }
      if (type !== PKT.STATUS) return;
      const result = STATUS_NAMES[r.u32()] ?? 'Failure';
      if ('closeHandle' in pending) {
        const w = this.#writes.get(pending.closeHandle);
        this.#writes.delete(pending.closeHandle);
        if (w !== undefined) this.#sink({ op: 'write', path: w.path, size: w.size, result: result === 'ok' ? 'ok' : result });
        return;
      }
      this.#sink({ ...pending, result: result === 'ok' ? 'ok' : result });
    } catch {
      /* malformed reply: nothing to audit */
    }
  }
}

/** Frames packets from chunks, keeping only the head of `bulkType` packets (the rest is skipped). */
export class PacketScanner {
  readonly #onPacket: (p: Buffer) => void;
  readonly #bulkType: number;
  #head = Buffer.alloc(0);
  #need = 0;
  #skip = 0;
  #body: Buffer[] = [];
  #bodyLen = 0;

  constructor(onPacket: (p: Buffer) => void, bulkType: number) {
    this.#onPacket = onPacket;
    this.#bulkType = bulkType;
  }

  push(chunk: Buffer): void {
    this.#push(chunk);
    this.#pos += chunk.length;
  }

  #push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - off);
        this.#skip -= n;
        off += n;
        continue;
      }
      if (this.#need === 0) {
        if (this.#head.length === 0) this.packetStart = this.#pos + off;
        const n = Math.min(5 - this.#head.length, chunk.length - off);
        this.#head = Buffer.concat([this.#head, chunk.subarray(off, off + n)]);
        off += n;
        if (this.#head.length < 5) continue;
        const len = this.#head.readUInt32BE(0);
        const type = this.#head[4];
        const keep = type === this.#bulkType ? Math.min(len, 1 + 4 + 4 + 256 + 8 + 4) : Math.min(len, 70_000);
        this.#need = keep - 1;
        this.#skip = 0;
        this.#body = [this.#head.subarray(4)];
        this.#bodyLen = 1;
        this.#head = Buffer.alloc(0);
        this.#pendingSkip = len - keep;
        if (this.#need === 0) this.#emit();
        continue;
      }
      const n = Math.min(this.#need, chunk.length - off);
      this.#body.push(chunk.subarray(off, off + n));
      this.#bodyLen += n;
      this.#need -= n;
      off += n;
      if (this.#need === 0) this.#emit();
    }
  }

  #pendingSkip = 0;
  /** Stream offset of the next byte pushed, and of the packet being framed (or last emitted). */
  #pos = 0;
  packetStart = 0;

  #emit(): void {
    const p = Buffer.concat(this.#body, this.#bodyLen);
    this.#body = [];
    this.#skip = this.#pendingSkip;
    this.#pendingSkip = 0;
    this.#onPacket(p);
  }
}
