import type { ExecSession } from '../../kube/types.ts';
import { STATUS } from '../sftp/constants.ts';
import { FsError, fsErrorFromStderr } from './fs-error.ts';
import { collectText } from './exec-target.ts';
import { LIMIT_DEFAULTS } from '../../config/defaults.ts';
import { ReadAheadBudget } from '../sftp/sftp-limits.ts';
import type { StreamHolder } from '../stream-slots.ts';

/** What SFTP READs and scp's source use. */
export interface Reader {
  read(offset: number, len: number): Promise<Buffer | null>;
  close(): void;
}

/** A whole small file, already fetched. */
export class MemoryReader implements Reader {
  readonly #data: Buffer;
  constructor(data: Buffer) { this.#data = data; }
  read(offset: number, len: number): Promise<Buffer | null> {
    if (offset >= this.#data.length) return Promise.resolve(null);
    return Promise.resolve(this.#data.subarray(offset, offset + len));
  }
  close(): void { /* nothing held */ }
}

/** Who asks for a stream (to park it when its slot is wanted), and until when it is wanted. */
export interface StreamUse {
  holder: StreamHolder;
  signal: AbortSignal;
}

/** Starts a stream of the file's bytes from `offset` to its end. */
export type ReadStreamOpener = (offset: number, use: StreamUse) => Promise<ExecSession>;

interface ReadReq {
  offset: number;
  len: number;
  resolve: (data: Buffer | null) => void;
  reject: (err: FsError) => void;
}

/** How far a reader may read ahead of the requests: its own cap, and its session's shared one. */
export interface ReadAhead {
  bytes: number;
  budget: ReadAheadBudget;
}
/** A request this far past the stream's position restarts it rather than reading through. */
const SKIP_LIMIT = 1024 * 1024;

/**
 * Serves SFTP READs of one open file from one streaming exec (`cat`): sequential reads, as
 * scp/sftp pipeline them, come from the one stream; a read at another offset (reget, random
 * access) restarts the stream there with `tail -c +N`.
 */
export class FileReader implements Reader, StreamHolder {
  readonly #open: ReadStreamOpener;
  readonly #onIdle: () => void;
  /** Aborted when the stream being opened is no longer wanted. */
  #wanted: AbortController | null = null;
  readonly #queue: ReadReq[] = [];
  #exec: ExecSession | null = null;
  #generation = 0;
  #chunks: Buffer[] = [];
  /** File offset of the first buffered byte. */
  #bufStart = 0;
  #bufLen = 0;
  #ended = false;
  #error: FsError | null = null;
  #starting = false;
  #closed = false;
  readonly #ahead: ReadAhead;

  /**
   * Without `ahead`: the default per-file read-ahead, on a budget of its own. `onIdle`: told
   * whenever no request waits on the reader any more (its stream may then be parked).
   */
  constructor(open: ReadStreamOpener, ahead: ReadAhead = defaultReadAhead(), onIdle: () => void = () => undefined) {
    this.#open = open;
    this.#ahead = ahead;
    this.#onIdle = onIdle;
  }

  idle(): boolean {
    return this.#queue.length === 0;
  }

  /** Ends the stream and forgets what it read ahead; the next read opens one where it asks. */
  park(): void {
    if (this.#closed || this.#exec === null) return;
    this.#stop();
    this.#release();
    this.#ended = false;
    this.#error = null;
  }

  /** Bytes buffered now (tests). */
  get buffered(): number { return this.#bufLen; }

  /**
   * Enough buffered: the reader's own cap, or the session's once over it and no request is
   * waiting (a waiting request always gets its data, so the budget never stalls a reader).
   */
  #full(): boolean {
    return this.#bufLen >= this.#ahead.bytes || (this.#ahead.budget.over && this.#queue.length === 0);
  }

  /** Forgets every buffered byte, giving it back to the session's budget. */
  #release(): void {
    this.#ahead.budget.used -= this.#bufLen;
    this.#chunks = [];
    this.#bufLen = 0;
  }

  /** Resolves with up to `len` bytes at `offset`, or null at end of file. */
  read(offset: number, len: number): Promise<Buffer | null> {
    if (this.#closed) return Promise.reject(new FsError(STATUS.FAILURE, 'handle closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ offset, len, resolve, reject });
      this.#pump();
    });
  }

  close(): void {
    this.#closed = true;
    this.#stop();
    this.#release();
    for (const r of this.#queue.splice(0)) r.reject(new FsError(STATUS.FAILURE, 'handle closed'));
  }

  #pump(): void {
    while (this.#queue.length > 0 && !this.#starting) {
      const head = this.#queue[0];
      const bufEnd = this.#bufStart + this.#bufLen;
      const noStream = this.#exec === null;
      if (noStream || head.offset < this.#bufStart || head.offset > bufEnd + SKIP_LIMIT) {
        this.#restart(head.offset);
        return;
      }
      if (head.offset >= bufEnd && !this.#ended) {
        this.#drop(head.offset); // skipping forward: discard what the stream has passed
        this.#exec?.stdout.resume();
        return;
      }
      if (head.offset + head.len > bufEnd && !this.#ended) {
        this.#exec?.stdout.resume();
        return;
      }
      this.#queue.shift();
      if (head.offset >= bufEnd) {
        if (this.#error !== null) head.reject(this.#error);
        else head.resolve(null);
        continue;
      }
      const data = this.#slice(head.offset, Math.min(head.len, bufEnd - head.offset));
      this.#drop(head.offset + data.length);
      head.resolve(data);
    }
    if (this.#exec !== null) {
      if (this.#full()) this.#exec.stdout.pause();
      else this.#exec.stdout.resume();
    }
    if (this.#queue.length === 0) this.#onIdle();
  }

  #slice(offset: number, len: number): Buffer {
    let skip = offset - this.#bufStart;
    const parts: Buffer[] = [];
    let need = len;
    for (const c of this.#chunks) {
      if (need === 0) break;
      if (skip >= c.length) { skip -= c.length; continue; }
      const take = Math.min(c.length - skip, need);
      parts.push(c.subarray(skip, skip + take));
      need -= take;
      skip = 0;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /** Forgets buffered bytes before `offset`. */
  #drop(offset: number): void {
    let n = Math.min(offset - this.#bufStart, this.#bufLen);
    if (n <= 0) return;
    this.#bufStart += n;
    this.#bufLen -= n;
    this.#ahead.budget.used -= n;
    while (n > 0) {
      const c = this.#chunks[0];
      if (c.length <= n) { this.#chunks.shift(); n -= c.length; } else { this.#chunks[0] = c.subarray(n); n = 0; }
    }
    if (this.#bufLen === 0 && offset > this.#bufStart) this.#bufStart = offset;
  }

  #stop(): void {
    this.#generation++;
    this.#wanted?.abort();
    this.#wanted = null;
    const old = this.#exec;
    this.#exec = null;
    if (old !== null) {
      // Paused, not destroyed: the stream stays open until its process is ended (a wrapped
      // stream's abort waits for the kill), so the process blocks on a full pipe meanwhile.
      old.stdout.pause();
      old.abort();
    }
  }

  #restart(offset: number): void {
    this.#stop();
    const gen = this.#generation;
    this.#release();
    this.#bufStart = offset;
    this.#ended = false;
    this.#error = null;
    this.#starting = true;
    const wanted = new AbortController();
    this.#wanted = wanted;
    // A stale open (the reader moved on, or closed) touches nothing: a newer one may be starting.
    this.#open(offset, { holder: this, signal: wanted.signal }).then((exec) => {
      if (gen !== this.#generation || this.#closed) { exec.abort(); return; }
      this.#starting = false;
      this.#attach(exec, gen);
      this.#pump();
    }, (err: unknown) => {
      if (gen !== this.#generation) return;
      this.#starting = false;
      this.#ended = true;
      this.#error = err instanceof FsError ? err : new FsError(STATUS.FAILURE, err instanceof Error ? err.message : String(err));
      // Leave #exec null but answer the waiting requests with the error.
      for (const r of this.#queue.splice(0)) r.reject(this.#error);
    });
  }

  #attach(exec: ExecSession, gen: number): void {
    this.#exec = exec;
    const stderr = collectText(exec.stderr);
    exec.stdin?.on('error', () => { /* done reports it */ });
    exec.stdout.on('error', () => { /* done reports it */ });
    exec.stdout.on('data', (c: Buffer) => {
      if (gen !== this.#generation) return;
      this.#chunks.push(c);
      this.#bufLen += c.length;
      this.#ahead.budget.used += c.length;
      if (this.#full()) exec.stdout.pause();
      this.#pump();
    });
    void exec.done.then((outcome) => {
      if (gen !== this.#generation) return;
      this.#ended = true;
      if ('error' in outcome) this.#error = new FsError(STATUS.FAILURE, outcome.error.userMessage);
      else if (outcome.exitCode !== 0) this.#error = fsErrorFromStderr(stderr(), `read failed (exit ${outcome.exitCode})`);
      this.#pump();
    });
  }
}

function defaultReadAhead(): ReadAhead {
  return { bytes: LIMIT_DEFAULTS.sftpReadAheadBytes, budget: new ReadAheadBudget(LIMIT_DEFAULTS.sftpSessionReadAheadBytes) };
}
