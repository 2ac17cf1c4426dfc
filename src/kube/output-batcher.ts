/**
 * Gathers the pieces of one output channel that arrive in one turn of the event loop into
 * larger chunks before they go on (to the SSH channel). The API server's TLS records arrive
 * as pieces of at most 16 KiB, and its messages may be as small as 4 KiB; handed on one by
 * one, each would become an SSH packet, a GCM seal and a socket write of its own. Batched,
 * ssh2 cuts full-size packets (32 KiB with OpenSSH).
 *
 * Pieces are copied into a slab that is reused until full (no allocation per chunk); a
 * lone piece per turn (interactive output) goes on as is, without a copy, and the slab is let
 * go; so is a slab not written to for SLAB_IDLE_MS (a session that printed a burst and went
 * quiet, as a detached shell does), so an idle session holds none. Flushed from setImmediate, i.e. right after the turn's
 * socket reads, and whenever a batch reaches BATCH_BYTES; `flush()` before anything that must
 * follow the output (the exit status, the end).
 */
const BATCH_BYTES = 64 * 1024;
const SLAB_BYTES = 256 * 1024;
const SLAB_IDLE_MS = 2000;

export class OutputBatcher {
  readonly #out: (chunk: Buffer) => void;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #slab: Buffer | null = null;
  #slabUsed = 0;
  #slabWritten = 0;
  #idle: NodeJS.Timeout | null = null;
  #scheduled: NodeJS.Immediate | null = null;

  /** `out` receives the chunks (slices of a slab or the pieces themselves: not to be modified). */
  constructor(out: (chunk: Buffer) => void) {
    this.#out = out;
  }

  /** Takes a piece (a slice the caller will not touch again). */
  add(piece: Buffer): void {
    this.#pending.push(piece);
    this.#pendingBytes += piece.length;
    if (this.#pendingBytes >= BATCH_BYTES) this.flush();
    else this.#scheduled ??= setImmediate(() => this.flush());
  }

  /** Hands on everything pending now. */
  flush(): void {
    if (this.#scheduled) {
      clearImmediate(this.#scheduled);
      this.#scheduled = null;
    }
    const pieces = this.#pending;
    const total = this.#pendingBytes;
    if (pieces.length === 0) return;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (pieces.length === 1) {
      if (total < 4096) this.#slab = null;
      this.#out(pieces[0]);
      return;
    }
    if (!this.#slab || SLAB_BYTES - this.#slabUsed < total) {
      this.#slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, total));
      this.#slabUsed = 0;
    }
    this.#slabWritten = Date.now();
    this.#idle ??= setTimeout(this.#letGoIfIdle, SLAB_IDLE_MS).unref();
    const start = this.#slabUsed;
    for (const p of pieces) {
      p.copy(this.#slab, this.#slabUsed);
      this.#slabUsed += p.length;
    }
    this.#out(this.#slab.subarray(start, this.#slabUsed));
  }

  readonly #letGoIfIdle = (): void => {
    this.#idle = null;
    if (!this.#slab) return;
    const left = SLAB_IDLE_MS - (Date.now() - this.#slabWritten);
    if (left > 0) this.#idle = setTimeout(this.#letGoIfIdle, left).unref();
    else this.#slab = null; // what was handed on from it stays valid; the slab goes when they do
  };

  /** Drops what is pending (the stream is gone). */
  clear(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#slab = null;
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
  }
}
