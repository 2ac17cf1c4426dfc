import { posix } from 'node:path';
import { toPodgateError } from '../../errors/index.ts';
import type { ExecSession, PodExecutor } from '../../kube/types.ts';
import type { Attrs } from '../sftp/attrs.ts';
import { STATUS } from '../sftp/constants.ts';
import { UNWRAPPED } from '../exec-group.ts';
import { startExec, type ExecTarget } from './exec-target.ts';
import { FileReader, MemoryReader, type ReadAhead, type Reader, type StreamUse } from './file-reader.ts';
import { FileWriter } from './file-writer.ts';
import { FsError, fsErrorFromStderr } from './fs-error.ts';
import { HELPER_SCRIPT, STREAM_SCRIPT } from './helper-script.ts';
import { ShellHelper, type HelperReply } from './shell-helper.ts';
import { shQuote } from './shell-quote.ts';
import { parseListing, parseStatLine, type FileStat } from './stat-parse.ts';

/** Files up to this size travel inside helper requests and replies, with no data exec. */
const SMALL_FILE = 64 * 1024;

export interface OpenWriteFlags {
  append: boolean;
  creat: boolean;
  trunc: boolean;
  excl: boolean;
}

export interface StatVfs {
  bsize: number; frsize: number; blocks: number; bfree: number; bavail: number;
  files: number; ffree: number; namemax: number;
}

/**
 * A container's file system, reached only through exec of POSIX tools as the session's
 * identity. Paths are binary strings (one char per byte) and are used as given: callers make
 * them absolute (see resolve()).
 */
export class PodFs {
  readonly #executor: PodExecutor;
  readonly #target: ExecTarget;
  #helper: Promise<ShellHelper> | null = null;
  #home: Promise<string> | null = null;
  #umask = 0o022;
  readonly #ahead: ReadAhead | undefined;

  /** `ahead`: read-ahead of each file reader and of them all (default: FileReader's). */
  constructor(executor: PodExecutor, target: ExecTarget, ahead?: ReadAhead) {
    this.#executor = executor;
    this.#target = target;
    this.#ahead = ahead;
  }

  /** The user's home directory if it exists, else the container's working directory. */
  home(): Promise<string> {
    this.#home ??= this.#ok('home', []).then((r) => {
      const nl = r.out.indexOf('\n');
      this.#umask = parseInt(r.out.slice(0, nl), 8) || 0o022;
      return r.out.slice(nl + 1).replace(/\n$/, '') || '/';
    });
    return this.#home;
  }

  /** A create mode as the kernel would apply it (umask), in octal for chmod/mkdir -m. */
  async #createMode(mode: number | undefined): Promise<string | undefined> {
    if (mode === undefined) return undefined;
    await this.home();
    return (mode & 0o7777 & ~this.#umask).toString(8);
  }

  /** Absolute form of a client path: relative paths start in home(), as sshd's would. */
  async resolve(path: string): Promise<string> {
    if (path.startsWith('/')) return path;
    const home = await this.home();
    if (path === '' || path === '.') return home;
    return home === '/' ? `/${path}` : `${home}/${path}`;
  }

  stat(path: string): Promise<FileStat> { return this.#statOp('stat', path); }
  lstat(path: string): Promise<FileStat> { return this.#statOp('lstat', path); }

  async opendir(path: string): Promise<void> { await this.#ok('opendir', [path]); }

  async readdir(path: string): Promise<{ name: string; stat: FileStat }[]> {
    return parseListing((await this.#ok('ls', [path])).out);
  }

  async mkdir(path: string, mode?: number): Promise<void> { await this.#ok('mkdir', [path, await this.#createMode(mode)]); }
  async rmdir(path: string): Promise<void> { await this.#ok('rmdir', [path]); }
  async remove(path: string): Promise<void> { await this.#ok('remove', [path]); }
  async rename(from: string, to: string, replace: boolean): Promise<void> { await this.#ok('rename', [from, to, replace ? 1 : 0]); }
  async symlink(target: string, link: string): Promise<void> { await this.#ok('symlink', [target, link]); }
  async link(from: string, to: string): Promise<void> { await this.#ok('link', [from, to]); }
  async readlink(path: string): Promise<string> { return (await this.#ok('readlink', [path])).out.replace(/\n$/, ''); }
  async fsync(): Promise<void> { await this.#ok('fsync', []); }

  /** Canonical absolute path; the last component may be missing, as with sftp-server. */
  async realpath(path: string): Promise<string> {
    const abs = posix.normalize(path);
    const parent = posix.dirname(abs);
    const base = posix.basename(abs);
    const r = await this.#call('realpath', [abs, parent]);
    if (r.rc !== 0) {
      if (r.rc === 3) throw new FsError(STATUS.NO_SUCH_FILE, 'No such file');
      throw fsErrorFromStderr(r.err);
    }
    const dir = r.out.slice(1).replace(/\n$/, '');
    if (r.out.startsWith('D') || base === '' || abs === '/') return dir;
    return dir === '/' ? `/${base}` : `${dir}/${base}`;
  }

  async setstat(path: string, a: Attrs): Promise<void> {
    const times = a.atime !== undefined && a.mtime !== undefined;
    const owner = a.uid !== undefined && a.gid !== undefined;
    await this.#ok('setstat', [path, a.size, owner ? a.uid : undefined, owner ? a.gid : undefined, a.mode === undefined ? undefined : (a.mode & 0o7777).toString(8),
      times ? a.atime : undefined, times ? a.mtime : undefined]);
  }

  async statvfs(path: string): Promise<StatVfs> {
    const f = (await this.#ok('statvfs', [path])).out.trim().split(/\s+/).map(Number);
    if (f.length < 8 || f.some((n) => !Number.isFinite(n))) throw new FsError(STATUS.FAILURE, 'statvfs: unexpected output');
    const [bsize, frsize, blocks, bfree, bavail, files, ffree, namemax] = f as [number, number, number, number, number, number, number, number];
    return { bsize, frsize, blocks, bfree, bavail, files, ffree, namemax };
  }

  /**
   * Checks that `path` can be read and returns its attributes and a reader for its data. A
   * regular file up to SMALL_FILE bytes comes back with the check itself (no data exec).
   */
  async openRead(path: string): Promise<{ stat: FileStat; reader: Reader }> {
    const out = (await this.#ok('open_r', [path, SMALL_FILE])).out;
    const nl = out.indexOf('\n');
    const stat = parseStatLine(out.slice(0, nl < 0 ? out.length : nl));
    if (stat === null) throw new FsError(STATUS.FAILURE, 'stat: unexpected output');
    if ((stat.mode & 0o170000) === 0o100000 && stat.size <= SMALL_FILE) {
      return { stat, reader: new MemoryReader(Buffer.from(out.slice(nl + 1), 'latin1')) };
    }
    return { stat, reader: this.reader(path) };
  }

  /** A reader of `path` (no checks: the first read reports errors). */
  reader(path: string): FileReader {
    const q = shQuote(path);
    return new FileReader((offset, use) => this.#stream(offset === 0
      ? `exec cat -- ${q}`
      : `exec tail -c +${offset + 1} -- ${q}`, true, use), this.#ahead, () => { this.#target.slots?.kick(); });
  }

  /** Creates/truncates `path` as the flags say and returns a writer for its data. */
  async openWrite(path: string, flags: OpenWriteFlags, mode?: number): Promise<{ stat: FileStat; writer: FileWriter }> {
    const r = await this.#ok('open_w', [path, flags.excl ? 1 : 0, flags.trunc ? 1 : 0, flags.creat ? 1 : 0, await this.#createMode(mode)]);
    const stat = parseStatLine(r.out);
    if (stat === null) throw new FsError(STATUS.FAILURE, 'stat: unexpected output');
    // An empty file written from its start up to SMALL_FILE bytes goes through the helper.
    const small = stat.size === 0 && !flags.append && (stat.mode & 0o170000) === 0o100000
      ? async (data: Buffer): Promise<void> => { await this.#okData('put', [path, data.length], data); }
      : null;
    const q = shQuote(path);
    const writer = new FileWriter((offset, use) => {
      if (offset === null) return this.#stream(`exec cat >> ${q}`, false, use);
      if (offset === 0) return this.#stream(`exec cat 1<> ${q}`, false, use);
      return this.#stream(`{ dd bs=1 seek=${offset} count=0 2>/dev/null; exec cat; } 1<> ${q}`, false, use);
    }, flags.append, small, () => { this.#target.slots?.kick(); });
    return { stat, writer };
  }

  close(): void {
    this.#target.slots?.close();
    void this.#helper?.then((h) => { h.close(); }, () => undefined);
  }

  /**
   * A data exec: STREAM_SCRIPT reads `line` (paths quoted by shQuote) and runs it; the rest of
   * stdin is data. It holds one of the session's stream slots (src/files/stream-slots.ts) from
   * before it opens until it is over; not opened at all once `use.signal` (the owner no longer
   * wants it) or the session's signal aborts.
   */
  async #stream(line: string, endStdin: boolean, use?: StreamUse): Promise<ExecSession> {
    const signal = use && this.#target.signal ? AbortSignal.any([use.signal, this.#target.signal]) : use?.signal ?? this.#target.signal;
    const slot = this.#target.slots ? await this.#target.slots.acquire(use?.holder ?? null, signal) : null;
    if (signal?.aborted) {
      slot?.release();
      throw new FsError(STATUS.FAILURE, 'stream no longer wanted');
    }
    const wrapped = (this.#target.streams ?? UNWRAPPED).wrap(STREAM_SCRIPT);
    let exec: ExecSession;
    try {
      exec = await startExec(this.#executor, this.#target, wrapped.argv);
    } catch (err) {
      wrapped.ended({ error: toPodgateError(err) });
      slot?.release();
      throw err;
    }
    void exec.done.then((outcome) => { wrapped.ended(outcome); slot?.release(); });
    // Dropping the stream waits until its process is ended (src/files/exec-group.ts `cut`).
    const stream: ExecSession = {
      stdin: exec.stdin, stdout: exec.stdout, stderr: exec.stderr, done: exec.done,
      resize: (size) => { exec.resize(size); },
      abort: () => { slot?.retire(); wrapped.cut(() => { exec.abort(); }); },
    };
    const bytes = Buffer.from(`${line}\n`, 'latin1');
    exec.stdin?.on('error', () => { /* done reports it */ });
    if (endStdin) exec.stdin?.end(bytes);
    else exec.stdin?.write(bytes);
    return stream;
  }

  #helperExec(): Promise<ShellHelper> {
    this.#helper ??= startExec(this.#executor, this.#target, this.#target.wrap?.(HELPER_SCRIPT) ?? ['sh', '-c', HELPER_SCRIPT]).then((e) => new ShellHelper(e));
    return this.#helper;
  }

  async #call(op: string, args: ReadonlyArray<string | number | undefined>): Promise<HelperReply> {
    return (await this.#helperExec()).call(op, args);
  }

  async #okData(op: string, args: ReadonlyArray<string | number | undefined>, data: Buffer): Promise<HelperReply> {
    const r = await (await this.#helperExec()).call(op, args, data);
    if (r.rc !== 0) throw fsErrorFromStderr(r.err, `${op} failed`);
    return r;
  }

  async #ok(op: string, args: ReadonlyArray<string | number | undefined>): Promise<HelperReply> {
    const r = await this.#call(op, args);
    if (r.rc !== 0) throw fsErrorFromStderr(r.err, `${op} failed`);
    return r;
  }

  async #statOp(op: 'stat' | 'lstat', path: string): Promise<FileStat> {
    const s = parseStatLine((await this.#ok(op, [path])).out);
    if (s === null) throw new FsError(STATUS.FAILURE, 'stat: unexpected output');
    return s;
  }
}
