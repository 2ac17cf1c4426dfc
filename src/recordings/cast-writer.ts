/**
 * One recording being written: an asciicast v2 file (a JSON header line, then one JSON array
 * `[seconds, type, data]` per event) filled while a session runs.
 *
 * - Text is decoded with one StringDecoder per stream, so a UTF-8 character split across two
 *   chunks is stored whole; bytes that are not UTF-8 cannot be stored in JSON text and become
 *   U+FFFD (as `asciinema rec` does). Output that is valid UTF-8 is stored byte for byte.
 * - Events are buffered and written as whole lines every FLUSH_INTERVAL_MS (and sooner when
 *   FLUSH_BYTES are waiting), and synced to disk at least once a second and at the end. A
 *   crash of podgate loses at most the last second (the half-second tick leaves room for a
 *   busy event loop); a crash of the machine, what was not yet synced.
 * - Memory is bounded: when the disk does not keep up and MAX_PENDING_BYTES wait, new events
 *   are dropped (counted, reported once per episode through `onDrop`) instead of buffered.
 *   A recording never slows the session down.
 * - The file is created 0600 with O_EXCL and O_NOFOLLOW: never an existing file, never
 *   through a symlink.
 * Knows nothing of ssh2, Kubernetes or the logger: its owner reports through the callbacks.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

/** Bytes waiting for the disk beyond which events are dropped (per recording). */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
/** Waiting bytes that start a write before the next tick. */
const FLUSH_BYTES = 64 * 1024;
/** The tick: every waiting event is written at least this often. */
const FLUSH_INTERVAL_MS = 500;
/** What was written is synced (fdatasync) at least this often. */
const SYNC_INTERVAL_MS = 1000;

export interface CastWriterOptions {
  path: string;
  /** The asciicast v2 header (version, width, height, ...), written as the first line. */
  header: Record<string, unknown>;
  /** Resolves when the file may be created (its directory exists). */
  ready?: Promise<void>;
  /** Events start being dropped (the disk is behind); called once per episode. */
  onDrop?: (pendingBytes: number) => void;
  /** Creating or writing the file failed: the recording stops there. */
  onError?: (err: Error) => void;
  /** Monotonic milliseconds (tests pass a fake clock). */
  now?: () => number;
  maxPendingBytes?: number;
}

export interface CastStats {
  bytes: number;
  events: number;
  droppedEvents: number;
  durationMs: number;
}

export type CastEventType = 'o' | 'i' | 'r';

export class CastWriter {
  readonly #o: CastWriterOptions;
  readonly #now: () => number;
  readonly #start: number;
  readonly #max: number;
  readonly #decoders = { o: new StringDecoder('utf8'), i: new StringDecoder('utf8') };
  readonly #opened: Promise<FileHandle | null>;
  readonly #timer: NodeJS.Timeout;
  #fh: FileHandle | null = null;
  #pending: string[] = [];
  #pendingBytes = 0;
  #writing: Promise<void> | null = null;
  /** Written since the last sync. */
  #dirty = false;
  #lastSync = performance.now();
  #failed = false;
  #closed: Promise<CastStats> | null = null;
  #dropping = false;
  /** close() was called: later events are ignored. */
  #closing = false;
  #bytes = 0;
  #events = 0;
  #dropped = 0;

  constructor(o: CastWriterOptions) {
    this.#o = o;
    this.#now = o.now ?? (() => performance.now());
    this.#start = this.#now();
    this.#max = o.maxPendingBytes ?? MAX_PENDING_BYTES;
    this.#queue(`${JSON.stringify(o.header)}\n`, true);
    this.#opened = (o.ready ?? Promise.resolve())
      .then(() => open(o.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600))
      .then((fh) => {
        this.#fh = fh;
        return fh;
      }, (err: unknown) => {
        this.#fail(err);
        return null;
      });
    // The sync is due a little early so that ticks that run late still sync once a second.
    this.#timer = setInterval(() => void this.#flush(performance.now() - this.#lastSync >= SYNC_INTERVAL_MS - FLUSH_INTERVAL_MS / 2), FLUSH_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Bytes the session sent to the client's terminal. */
  output(chunk: Buffer): void {
    this.#text('o', chunk);
  }

  /** Bytes the client typed. */
  input(chunk: Buffer): void {
    this.#text('i', chunk);
  }

  resize(cols: number, rows: number): void {
    this.#event('r', `${cols}x${rows}`);
  }

  /** Writes what is left (a character cut at the end becomes U+FFFD), syncs and closes. */
  close(): Promise<CastStats> {
    if (!this.#closed) {
      // The rest of a character cut at the end, then nothing more.
      for (const type of ['o', 'i'] as const) {
        const rest = this.#decoders[type].end();
        if (rest) this.#event(type, rest);
      }
      this.#closing = true;
      this.#closed = this.#finish();
    }
    return this.#closed;
  }

  async #finish(): Promise<CastStats> {
    clearInterval(this.#timer);
    const fh = await this.#opened;
    while (!this.#failed && (this.#writing || this.#pending.length > 0 || this.#dirty)) await this.#flush(true);
    if (fh) await fh.close().catch((err: unknown) => this.#fail(err));
    return { bytes: this.#bytes, events: this.#events, droppedEvents: this.#dropped, durationMs: Math.round(this.#now() - this.#start) };
  }

  #text(type: 'o' | 'i', chunk: Buffer): void {
    if (this.#closing) return;
    const text = this.#decoders[type].write(chunk);
    if (text) this.#event(type, text);
  }

  #event(type: CastEventType, data: string): void {
    if (this.#closing) return;
    const seconds = Math.max(0, Math.round(this.#now() - this.#start) / 1000);
    if (this.#queue(`[${seconds}, "${type}", ${JSON.stringify(data)}]\n`)) this.#events++;
  }

  /** Queues a line; false when it was dropped (failed, or too much waits for the disk). */
  #queue(line: string, always = false): boolean {
    if (this.#failed) return false;
    const size = Buffer.byteLength(line);
    if (!always && this.#pendingBytes + size > this.#max) {
      this.#dropped++;
      if (!this.#dropping) {
        this.#dropping = true;
        this.#o.onDrop?.(this.#pendingBytes);
      }
      return false;
    }
    this.#dropping = false;
    this.#pending.push(line);
    this.#pendingBytes += size;
    if (this.#pendingBytes >= FLUSH_BYTES) void this.#flush(false);
    return true;
  }

  /** Writes every waiting line (one write at a time), then syncs when asked and needed. */
  #flush(sync: boolean): Promise<void> {
    if (this.#writing) return this.#writing;
    const fh = this.#fh;
    if (!fh || this.#failed || (this.#pending.length === 0 && !(sync && this.#dirty))) return Promise.resolve();
    const data = this.#pending.join('');
    const size = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#writing = (async () => {
      try {
        if (size > 0) {
          await fh.write(data);
          this.#bytes += size;
          this.#dirty = true;
        }
        if (sync && this.#dirty) {
          this.#dirty = false;
          this.#lastSync = performance.now();
          await fh.datasync();
        }
      } catch (err) {
        this.#fail(err);
      } finally {
        this.#writing = null;
      }
      if (this.#pendingBytes >= FLUSH_BYTES) await this.#flush(false);
    })();
    return this.#writing;
  }

  #fail(err: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#o.onError?.(err instanceof Error ? err : new Error(String(err)));
  }
}
