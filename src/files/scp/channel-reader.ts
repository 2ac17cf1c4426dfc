import type { Readable } from 'node:stream';

const HIGH_WATER = 1024 * 1024;

/**
 * Pull-style reads from a flowing channel (the scp protocol alternates lines, single bytes
 * and sized data). Pauses the channel while more than HIGH_WATER bytes wait unread, so a fast
 * client is throttled by the SSH window.
 */
export class ChannelReader {
  readonly #src: Readable;
  #chunks: Buffer[] = [];
  #len = 0;
  #ended = false;
  #wake: (() => void) | null = null;

  constructor(src: Readable) {
    this.#src = src;
    src.on('data', (c: Buffer) => {
      this.#chunks.push(c);
      this.#len += c.length;
      if (this.#len > HIGH_WATER) src.pause();
      this.#notify();
    });
    src.on('end', () => { this.#ended = true; this.#notify(); });
    src.on('close', () => { this.#ended = true; this.#notify(); });
    src.on('error', () => { this.#ended = true; this.#notify(); });
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  async #fill(): Promise<boolean> {
    if (this.#len > 0) return true;
    if (this.#ended) return false;
    this.#src.resume();
    await new Promise<void>((r) => { this.#wake = r; });
    return this.#len > 0;
  }

  /** Up to `max` bytes (at least one), or null at EOF. */
  async read(max: number): Promise<Buffer | null> {
    if (!(await this.#fill())) return null;
    const first = this.#chunks[0];
    let out: Buffer;
    if (first.length <= max) { out = first; this.#chunks.shift(); } else { out = first.subarray(0, max); this.#chunks[0] = first.subarray(max); }
    this.#len -= out.length;
    if (this.#len <= HIGH_WATER / 2) this.#src.resume();
    return out;
  }

  /** One line without its newline (binary string), or null at EOF. */
  async line(): Promise<string | null> {
    let text = '';
    for (;;) {
      const b = await this.read(1);
      if (b === null) return text === '' ? null : text;
      if (b[0] === 0x0a) return text;
      text += b.toString('latin1');
      if (text.length > 65536) return text;
    }
  }

  async byte(): Promise<number | null> {
    const b = await this.read(1);
    return b === null ? null : b[0];
  }
}
