import type { FileOpEvent } from '../file-op-audit.ts';
import { displayPath } from '../file-op-audit.ts';
import { FsError, toFsError } from '../pod-fs/fs-error.ts';
import type { Reader } from '../pod-fs/file-reader.ts';
import type { FileWriter } from '../pod-fs/file-writer.ts';
import type { PodFs } from '../pod-fs/pod-fs.ts';
import type { FileStat } from '../pod-fs/stat-parse.ts';
import { longName, type Attrs } from './attrs.ts';
import { MAX_PACKET, MAX_RW, OPEN_FLAGS, PKT, STATUS } from './constants.ts';
import { BadMessage, type PacketReader } from './packet-reader.ts';
import type { RefusalSink, SftpLimits } from './sftp-limits.ts';
import { StreamLimitError } from '../stream-slots.ts';
import { attrsPacket, dataPacket, handlePacket, namePacket, PacketBuilder, statusPacket } from './packet-writer.ts';

interface FileHandle { kind: 'file'; path: string; reader?: Reader; writer?: FileWriter }
interface DirHandle { kind: 'dir'; path: string; entries?: { name: string; stat: FileStat }[]; pos: number }
type Handle = FileHandle | DirHandle;

const READDIR_BATCH = 100;

function toAttrs(s: FileStat): Attrs {
  return { size: s.size, uid: s.uid, gid: s.gid, mode: s.mode, atime: s.atime, mtime: s.mtime };
}

/** The SFTP requests, each carried out through PodFs. Replies go to `send`. */
export class SftpOps {
  readonly #fs: PodFs;
  readonly #send: (b: Buffer | Buffer[]) => void;
  readonly #audit: (ev: FileOpEvent) => void;
  readonly #handles = new Map<string, Handle>();
  #nextHandle = 1;
  readonly #limits: SftpLimits;
  readonly #refuse: RefusalSink;

  constructor(fs: PodFs, send: (b: Buffer | Buffer[]) => void, audit: (ev: FileOpEvent) => void, limits: SftpLimits, refuse: RefusalSink) {
    this.#fs = fs;
    this.#send = send;
    this.#audit = audit;
    this.#limits = limits;
    this.#refuse = refuse;
  }

  closeAll(): void {
    for (const h of this.#handles.values()) {
      if (h.kind === 'file') { h.reader?.close(); h.writer?.abandon(); }
    }
    this.#handles.clear();
  }

  async handle(type: number, id: number, r: PacketReader): Promise<void> {
    try {
      await this.#dispatch(type, id, r);
    } catch (err) {
      if (err instanceof StreamLimitError) this.#refuse(err.limit, err.value);
      const e = err instanceof BadMessage ? new FsError(STATUS.BAD_MESSAGE, err.message) : toFsError(err);
      this.#status(id, e.status, e.message);
    }
  }

  #status(id: number, code: number, msg?: string): void {
    const text = msg ?? (code === STATUS.OK ? 'Success' : code === STATUS.EOF ? 'End of file' : 'Failure');
    this.#send(statusPacket(id, code, text));
  }

  #handle(r: PacketReader): Handle {
    const h = this.#handles.get(r.string());
    if (h === undefined) throw new FsError(STATUS.FAILURE, 'invalid handle');
    return h;
  }

  #file(r: PacketReader): FileHandle {
    const h = this.#handle(r);
    if (h.kind !== 'file') throw new FsError(STATUS.FAILURE, 'not a file handle');
    return h;
  }

  #newHandle(h: Handle): Buffer {
    if (this.#handles.size >= this.#limits.sftpMaxHandles) {
      this.#refuse('sftpMaxHandles', this.#limits.sftpMaxHandles);
      throw new FsError(STATUS.FAILURE, `too many open handles (limit ${this.#limits.sftpMaxHandles})`);
    }
    const key = String(this.#nextHandle++);
    this.#handles.set(key, h);
    return Buffer.from(key, 'latin1');
  }

  /** Runs a changing op and writes its FILE_OP event, whatever the result. */
  async #changing(ev: Omit<FileOpEvent, 'result'>, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      this.#audit({ ...ev, result: 'ok' });
    } catch (err) {
      this.#audit({ ...ev, result: toFsError(err).message });
      throw err;
    }
  }

  async #path(r: PacketReader): Promise<string> {
    return this.#fs.resolve(this.#rawPath(r));
  }

  /** A path as the client sent it; one longer than sftpMaxPathBytes never reaches the pod. */
  #rawPath(r: PacketReader): string {
    // Checked on the bytes: a refused path is never made into a string (a STAT flood with 64
    // KiB paths would otherwise fill the V8 heap with them).
    const raw = r.bytes();
    if (raw.length > this.#limits.sftpMaxPathBytes) {
      this.#refuse('sftpMaxPathBytes', this.#limits.sftpMaxPathBytes);
      throw new FsError(STATUS.FAILURE, `path too long (limit ${this.#limits.sftpMaxPathBytes} bytes)`);
    }
    return raw.toString('latin1');
  }

  async #dispatch(type: number, id: number, r: PacketReader): Promise<void> {
    const fs = this.#fs;
    switch (type) {
      case PKT.OPEN: {
        const path = await this.#path(r);
        const flags = r.u32();
        const attrs = r.attrs();
        const h: FileHandle = { kind: 'file', path };
        if ((flags & (OPEN_FLAGS.WRITE | OPEN_FLAGS.APPEND | OPEN_FLAGS.CREAT | OPEN_FLAGS.TRUNC)) !== 0) {
          const wflags = { append: (flags & OPEN_FLAGS.APPEND) !== 0, creat: (flags & OPEN_FLAGS.CREAT) !== 0, trunc: (flags & OPEN_FLAGS.TRUNC) !== 0, excl: (flags & OPEN_FLAGS.EXCL) !== 0 };
          try {
            h.writer = (await fs.openWrite(path, wflags, attrs.mode)).writer;
          } catch (err) {
            this.#audit({ op: 'write', path: displayPath(path), size: 0, result: toFsError(err).message });
            throw err;
          }
          if ((flags & OPEN_FLAGS.READ) !== 0) h.reader = fs.reader(path);
        } else {
          h.reader = (await fs.openRead(path)).reader;
        }
        this.#send(handlePacket(id, this.#newHandle(h)));
        return;
      }
      case PKT.READ: {
        const h = this.#file(r);
        const offset = r.u64();
        const len = Math.min(r.u32(), MAX_RW);
        if (h.reader === undefined) throw new FsError(STATUS.PERMISSION_DENIED, 'handle not open for reading');
        if (h.writer !== undefined) await h.writer.flush();
        const data = await h.reader.read(offset, len);
        if (data === null) this.#status(id, STATUS.EOF);
        else this.#send(dataPacket(id, data));
        return;
      }
      case PKT.WRITE: {
        const h = this.#file(r);
        const offset = r.u64();
        const data = r.bytes();
        if (h.writer === undefined) throw new FsError(STATUS.PERMISSION_DENIED, 'handle not open for writing');
        await h.writer.write(offset, data);
        this.#status(id, STATUS.OK);
        return;
      }
      case PKT.CLOSE: {
        const key = r.string();
        const h = this.#handles.get(key);
        if (h === undefined) throw new FsError(STATUS.FAILURE, 'invalid handle');
        this.#handles.delete(key);
        if (h.kind === 'file') {
          h.reader?.close();
          const w = h.writer;
          if (w !== undefined) await this.#changing({ op: 'write', path: displayPath(h.path), size: w.written }, () => w.flush());
        }
        this.#status(id, STATUS.OK);
        return;
      }
      case PKT.LSTAT: case PKT.STAT: {
        const path = await this.#path(r);
        const st = type === PKT.STAT ? await fs.stat(path) : await fs.lstat(path);
        this.#send(attrsPacket(id, toAttrs(st)));
        return;
      }
      case PKT.FSTAT: {
        const h = this.#handle(r);
        if (h.kind === 'file') await h.writer?.flush();
        this.#send(attrsPacket(id, toAttrs(await fs.stat(h.path))));
        return;
      }
      case PKT.SETSTAT: case PKT.FSETSTAT: {
        let path: string;
        if (type === PKT.SETSTAT) path = await this.#path(r);
        else {
          const h = this.#handle(r);
          if (h.kind === 'file') await h.writer?.flush();
          path = h.path;
        }
        const a = r.attrs();
        await this.#changing({ op: 'setstat', path: displayPath(path), ...(a.size === undefined ? {} : { size: a.size }) }, () => fs.setstat(path, a));
        this.#status(id, STATUS.OK);
        return;
      }
      case PKT.OPENDIR: {
        const path = await this.#path(r);
        await fs.opendir(path);
        this.#send(handlePacket(id, this.#newHandle({ kind: 'dir', path, pos: 0 })));
        return;
      }
      case PKT.READDIR: {
        const h = this.#handle(r);
        if (h.kind !== 'dir') throw new FsError(STATUS.FAILURE, 'not a directory handle');
        h.entries ??= await fs.readdir(h.path);
        const batch = h.entries.slice(h.pos, h.pos + READDIR_BATCH);
        h.pos += batch.length;
        if (batch.length === 0) { this.#status(id, STATUS.EOF); return; }
        const now = Date.now() / 1000;
        this.#send(namePacket(id, batch.map((e) => ({ filename: e.name, longname: longName(e.name, e.stat, now), attrs: toAttrs(e.stat) }))));
        return;
      }
      case PKT.REMOVE: {
        const path = await this.#path(r);
        await this.#changing({ op: 'remove', path: displayPath(path) }, () => fs.remove(path));
        this.#status(id, STATUS.OK);
        return;
      }
      case PKT.MKDIR: {
        const path = await this.#path(r);
        const a = r.attrs();
        await this.#changing({ op: 'mkdir', path: displayPath(path) }, () => fs.mkdir(path, a.mode));
        this.#status(id, STATUS.OK);
        return;
      }
      case PKT.RMDIR: {
        const path = await this.#path(r);
        await this.#changing({ op: 'rmdir', path: displayPath(path) }, () => fs.rmdir(path));
        this.#status(id, STATUS.OK);
        return;
      }
      case PKT.REALPATH: {
        const path = await this.#fs.realpath(await this.#path(r));
        this.#send(namePacket(id, [{ filename: path, longname: path, attrs: {} }]));
        return;
      }
      case PKT.RENAME: {
        const from = await this.#path(r);
        const to = await this.#path(r);
        await this.#changing({ op: 'rename', path: displayPath(from), target: displayPath(to) }, () => fs.rename(from, to, false));
        this.#status(id, STATUS.OK);
        return;
      }
      case PKT.READLINK: {
        const target = await fs.readlink(await this.#path(r));
        this.#send(namePacket(id, [{ filename: target, longname: target, attrs: {} }]));
        return;
      }
      case PKT.SYMLINK: {
        // OpenSSH sends (target, link) in this order, swapped against the draft; sftp-server
        // reads it the same way, so podgate does too.
        const target = this.#rawPath(r);
        const link = await this.#path(r);
        await this.#changing({ op: 'symlink', path: displayPath(link), target: displayPath(target) }, () => fs.symlink(target, link));
        this.#status(id, STATUS.OK);
        return;
      }
      case PKT.EXTENDED:
        await this.#extended(id, r.string(), r);
        return;
      default:
        this.#status(id, STATUS.OP_UNSUPPORTED, 'Operation unsupported');
    }
  }

  async #extended(id: number, name: string, r: PacketReader): Promise<void> {
    const fs = this.#fs;
    switch (name) {
      case 'posix-rename@openssh.com': {
        const from = await this.#path(r);
        const to = await this.#path(r);
        await this.#changing({ op: 'rename', path: displayPath(from), target: displayPath(to) }, () => fs.rename(from, to, true));
        this.#status(id, STATUS.OK);
        return;
      }
      case 'hardlink@openssh.com': {
        const from = await this.#path(r);
        const to = await this.#path(r);
        await this.#changing({ op: 'link', path: displayPath(to), target: displayPath(from) }, () => fs.link(from, to));
        this.#status(id, STATUS.OK);
        return;
      }
      case 'statvfs@openssh.com': case 'fstatvfs@openssh.com': {
        const path = name === 'statvfs@openssh.com' ? await this.#path(r) : this.#handle(r).path;
        const v = await fs.statvfs(path);
        const p = new PacketBuilder(PKT.EXTENDED_REPLY, id)
          .u64(v.bsize).u64(v.frsize).u64(v.blocks).u64(v.bfree).u64(v.bavail)
          .u64(v.files).u64(v.ffree).u64(v.ffree).u64(0).u64(0).u64(v.namemax);
        this.#send(p.done());
        return;
      }
      case 'fsync@openssh.com': {
        const h = this.#file(r);
        await h.writer?.flush();
        await fs.fsync();
        this.#status(id, STATUS.OK);
        return;
      }
      case 'limits@openssh.com': {
        this.#send(new PacketBuilder(PKT.EXTENDED_REPLY, id).u64(MAX_PACKET).u64(MAX_RW).u64(MAX_RW).u64(this.#limits.sftpMaxHandles).done());
        return;
      }
      case 'expand-path@openssh.com': {
        const raw = this.#rawPath(r);
        if (/^~[^/]/.test(raw)) throw new FsError(STATUS.FAILURE, '~user paths are not supported');
        const rel = raw === '~' ? '' : raw.startsWith('~/') ? raw.slice(2) : raw;
        const path = await this.#fs.realpath(await this.#fs.resolve(rel));
        this.#send(namePacket(id, [{ filename: path, longname: path, attrs: {} }]));
        return;
      }
      default:
        this.#status(id, STATUS.OP_UNSUPPORTED, `unsupported extension ${name}`);
    }
  }
}
