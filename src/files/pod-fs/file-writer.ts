import type { ExecSession } from '../../kube/types.ts';
import { STATUS } from '../sftp/constants.ts';
import { collectText } from './exec-target.ts';
import { FsError, fsErrorFromStderr, toFsError } from './fs-error.ts';
import type { StreamUse } from './file-reader.ts';
import type { StreamHolder } from '../stream-slots.ts';

/** Starts a stream that writes its stdin into the file from `offset` (null: append). */
export type WriteStreamOpener = (offset: number | null, use: StreamUse) => Promise<ExecSession>;

/** Upper bound of a file written through the helper (pod-fs SMALL_FILE). */
const SMALL_LIMIT = 64 * 1024;

interface Stream {
  exec: ExecSession;
  stderr: () => string;
  /** File offset the next stdin byte lands at. */
  pos: number;
}

/**
 * Carries SFTP WRITEs of one open file into one streaming exec (`cat`): sequential writes (a
 * whole-file upload) are piped into it and acknowledged as soon as the pipe takes them; a
 * write at another offset ends that stream and starts one at the new offset. Errors of the
 * stream surface at the next write after it failed, or at flush (CLOSE).
 */
export class FileWriter implements StreamHolder {
  readonly #open: WriteStreamOpener;
  readonly #append: boolean;
  #stream: Stream | null = null;
  #chain: Promise<unknown> = Promise.resolve();
  /** Operations queued or running. */
  #pending = 0;
  readonly #onIdle: () => void;
  /** Aborted once the writer is abandoned: a stream still waiting to open is not wanted. */
  readonly #wanted = new AbortController();
  #failed: FsError | null = null;
  /** Bytes accepted so far. */
  written = 0;

  /** Writes a whole small file through the helper (null: not an empty file, stream always). */
  readonly #putSmall: ((data: Buffer) => Promise<void>) | null;
  /** Sequential writes from offset 0 held back while they fit in SMALL_LIMIT. */
  #held: Buffer[] | null;
  #heldLen = 0;

  /** `onIdle`: told whenever no write waits on the writer any more (its stream may then be parked). */
  constructor(open: WriteStreamOpener, append: boolean, putSmall: ((data: Buffer) => Promise<void>) | null = null, onIdle: () => void = () => undefined) {
    this.#open = open;
    this.#append = append;
    this.#putSmall = putSmall;
    this.#held = putSmall === null ? null : [];
    this.#onIdle = onIdle;
  }

  idle(): boolean {
    return this.#pending === 0;
  }

  /** Ends the stream (its errors surface at the next write or flush); the next write opens one at its offset. */
  park(): void {
    if (this.#stream !== null) void this.#enqueue(() => this.#finish()).catch(() => undefined);
  }

  write(offset: number, data: Buffer): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#failed !== null) throw this.#failed;
      if (this.#held !== null) {
        if (offset === this.#heldLen && this.#heldLen + data.length <= SMALL_LIMIT) {
          this.#held.push(data);
          this.#heldLen += data.length;
          this.written += data.length;
          return;
        }
        // Too big or not sequential: stream from here on, starting with what was held.
        const held = Buffer.concat(this.#held);
        this.#held = null;
        if (held.length > 0) await this.#writeStream(0, held);
      }
      this.written += data.length;
      await this.#writeStream(offset, data);
    });
  }

  async #writeStream(offset: number, data: Buffer): Promise<void> {
    {
      let s = this.#stream;
      if (s !== null && !this.#append && s.pos !== offset) {
        await this.#finish();
        s = null;
      }
      if (s === null) {
        const exec = await this.#open(this.#append ? null : offset, { holder: this, signal: this.#wanted.signal });
        s = { exec, stderr: collectText(exec.stderr), pos: offset };
        exec.stdout.resume();
        exec.stdout.on('error', () => { /* done reports it */ });
        exec.stdin?.on('error', () => { /* done reports it */ });
        this.#stream = s;
      }
      const stdin = s.exec.stdin;
      if (stdin === null || stdin.destroyed) throw await this.#finishError();
      s.pos += data.length;
      if (!stdin.write(data)) await waitDrain(stdin, s.exec);
    }
  }

  /** Ends the current stream and reports whether everything written landed. */
  flush(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#held !== null && this.#heldLen > 0 && this.#putSmall !== null) {
        const held = Buffer.concat(this.#held);
        this.#held = [];
        this.#heldLen = 0;
        try {
          await this.#putSmall(held);
        } catch (err) {
          this.#failed ??= toFsError(err);
        }
        // Later writes to this handle go through a stream (the file is no longer empty).
        this.#held = null;
      }
      await this.#finish();
      if (this.#failed !== null) throw this.#failed;
    });
  }

  /** Ends the stream without waiting for anything (client gone). */
  abandon(): void {
    this.#wanted.abort();
    if (this.#held !== null && this.#heldLen > 0) void this.flush().catch(() => undefined);
    this.#stream?.exec.stdin?.end();
    this.#stream = null;
  }

  #enqueue(fn: () => Promise<void>): Promise<void> {
    this.#pending++;
    const next = this.#chain.then(fn).finally(() => {
      if (--this.#pending === 0) this.#onIdle();
    });
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #finishError(): Promise<FsError> {
    await this.#finish();
    return this.#failed ?? new FsError(STATUS.FAILURE, 'write stream closed');
  }

  async #finish(): Promise<void> {
    const s = this.#stream;
    if (s === null) return;
    this.#stream = null;
    s.exec.stdin?.end();
    const outcome = await s.exec.done;
    if ('error' in outcome) this.#failed ??= toFsError(new Error(outcome.error.userMessage));
    else if (outcome.exitCode !== 0) this.#failed ??= fsErrorFromStderr(s.stderr(), `write failed (exit ${outcome.exitCode})`);
  }
}

function waitDrain(stdin: NodeJS.WritableStream, exec: ExecSession): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => { stdin.removeListener('drain', done); stdin.removeListener('close', done); resolve(); };
    stdin.once('drain', done);
    stdin.once('close', done);
    void exec.done.then(done);
  });
}
