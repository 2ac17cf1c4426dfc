/**
 * The raw tail of a flood of output (screen-mirror.ts): the newest `maxBytes` (at least, and less
 * than a chunk more: whole chunks are dropped from the front) of what a session printed while the
 * mirror could not keep up.
 *
 * Chunks are kept as they came when they are most of the memory they hold on to (the exec
 * stream's batches: slices of 64 KiB and more of a 256 KiB slab). A chunk that is a small part
 * of a larger buffer (a 100-byte slice of a 64 KiB socket read) would keep all of it alive for
 * as long as it is in the tail, so it is copied, into a slab of the tail's own where small
 * pieces are packed one after the other: the tail holds about its own size, never many times it.
 */
const SLAB_BYTES = 64 * 1024;
/** Packed pieces are joined into kept chunks of up to this size (what the front drops at once). */
const JOIN_BYTES = 16 * 1024;

export class FloodTail {
  readonly #max: number;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #slab: Buffer | null = null;
  #slabUsed = 0;

  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (chunk.buffer.byteLength > 4 * chunk.length) this.#pack(chunk);
    else this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    while (this.#bytes - this.#chunks[0].length >= this.#max) this.#bytes -= this.#chunks.shift()!.length;
  }

  /** Everything kept, oldest first; the tail is empty afterwards and lets go of it all. */
  take(): Buffer[] {
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#bytes = 0;
    this.#slab = null;
    this.#slabUsed = 0;
    return chunks;
  }

  /** Copies `chunk` to the end of the slab, growing the last kept chunk when it ends there. */
  #pack(chunk: Buffer): void {
    let from = 0;
    while (from < chunk.length) {
      if (!this.#slab || this.#slabUsed === SLAB_BYTES) {
        this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES); // offset 0: a view's byteOffset is its place in it
        this.#slabUsed = 0;
      }
      const start = this.#slabUsed;
      const n = chunk.copy(this.#slab, start, from, from + Math.min(chunk.length - from, JOIN_BYTES));
      this.#slabUsed += n;
      from += n;
      const last = this.#chunks.at(-1);
      if (last && last.buffer === this.#slab.buffer && last.byteOffset + last.length === start && last.length + n <= JOIN_BYTES) {
        this.#chunks[this.#chunks.length - 1] = this.#slab.subarray(last.byteOffset, this.#slabUsed);
      } else {
        this.#chunks.push(this.#slab.subarray(start, this.#slabUsed));
      }
    }
  }
}
