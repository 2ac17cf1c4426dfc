/**
 * The screen mirror's long scrollback, compressed: the newest lines are strings in an open block;
 * a full block is sealed with raw deflate (a fast level) into one small byte array. A terminal's
 * scrollback repeats itself (prompts, log prefixes, SGR sequences), so 10,000 lines of about
 * 100 bytes cost tens of KiB instead of a MiB of strings, per detached session.
 *
 * Eviction drops the oldest whole block, so between `max` and `max + block - 1` lines are held;
 * `length` and `lines()` show exactly the newest `max` of them (the extra lines of the oldest
 * block are skipped when read), so callers see a plain ring of `max` lines.
 *
 * Only the newest line is ever changed (a wrapped line grows, see `extendLast`), and it is always
 * in the open block: a block is sealed when the next line arrives, never before.
 */
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';

/** Lines per sealed block: big enough to compress well, small enough to inflate in a blink. */
const BLOCK_LINES = 256;

export class ScrollbackStore {
  readonly #max: number;
  readonly #block: number;
  /** Sealed blocks, oldest first, each `#block` lines. */
  #sealed: Uint8Array[] = [];
  /** The newest lines, at most `#block`; the last one may still grow. */
  #open: string[] = [];

  constructor(max: number) {
    this.#max = Math.max(0, Math.floor(max));
    this.#block = Math.max(1, Math.min(BLOCK_LINES, this.#max));
  }

  /** Lines held (up to `max`). */
  get length(): number {
    return Math.min(this.#max, this.#held());
  }

  /** A new newest line; the oldest go when more than `max` are held. */
  push(line: string): void {
    if (this.#max === 0) return;
    if (this.#open.length >= this.#block) {
      this.#sealed.push(seal(this.#open));
      this.#open = [];
    }
    this.#open.push(line);
    while (this.#sealed.length > 0 && this.#held() - this.#block >= this.#max) this.#sealed.shift();
  }

  /**
   * Appends `text` to the newest line if one is held and the result stays within `maxChars`;
   * false otherwise (the caller then pushes it as a line of its own).
   */
  extendLast(text: string, maxChars: number): boolean {
    const last = this.#open.length - 1;
    if (last < 0 || this.#open[last].length + text.length > maxChars) return false;
    this.#open[last] = [this.#open[last], text].join(''); // one flat string, not a rope
    return true;
  }

  /** The newest `max` lines, oldest first. */
  lines(): string[] {
    const all: string[] = [];
    for (const b of this.#sealed) for (const l of unseal(b)) all.push(l);
    for (const l of this.#open) all.push(l);
    return all.length > this.#max ? all.slice(all.length - this.#max) : all;
  }

  clear(): void {
    this.#sealed = [];
    this.#open = [];
  }

  #held(): number {
    return this.#sealed.length * this.#block + this.#open.length;
  }
}

/**
 * A block as bytes: the lines' lengths (UTF-16 units, comma-separated), a newline, then the lines
 * back to back, so a line may hold any character. UTF-8 keeps every length (a lone surrogate
 * becomes U+FFFD, also one unit).
 */
function seal(lines: string[]): Uint8Array {
  const raw = Buffer.from(`${lines.map((l) => l.length).join(',')}\n${lines.join('')}`, 'utf8');
  // zlib returns a view of its 64 KiB output chunk: copy the few bytes that matter.
  return new Uint8Array(deflateRawSync(raw, { level: constants.Z_BEST_SPEED }));
}

function unseal(block: Uint8Array): string[] {
  const text = inflateRawSync(block).toString('utf8');
  const nl = text.indexOf('\n');
  const out: string[] = [];
  let at = nl + 1;
  for (const n of text.slice(0, nl).split(',')) {
    const len = Number(n);
    out.push(text.slice(at, at + len));
    at += len;
  }
  return out;
}
