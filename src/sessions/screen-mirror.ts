/**
 * The screen of a PTY session as podgate last saw it: every output byte goes through a headless
 * xterm.js terminal (`@xterm/headless`), so that a client attaching later gets the screen
 * redrawn (`@xterm/addon-serialize`) instead of a replay of everything the session printed.
 * The scrollback is not kept in xterm.js (12 bytes a cell) but as one string per line, with its
 * colours (line-ansi.ts), in a ring of `scrollbackLines`; `clear` (ED 3) empties it.
 *
 * The mirror never slows the session. When output comes faster than xterm.js parses it (more
 * than 256 KiB queued: `cat` of a big file), the mirror stops parsing and keeps only the raw
 * tail of the flood (1 MiB: about the default 10,000 lines at 80 columns); once the output has
 * been quiet for a moment, or when a client attaches, it resets the terminal and parses that
 * tail: the screen and the last lines are rebuilt from it, older scrollback is dropped. Memory
 * stays bounded either way.
 */
import headless from '@xterm/headless';
import serialize from '@xterm/addon-serialize';
import { lineToAnsi } from './line-ansi.ts';

// Both packages are CommonJS: their classes come from the default export.
const { Terminal } = headless;
const { SerializeAddon } = serialize;

/** Bytes written but not yet parsed above which `write` asks the source to wait. */
const MAX_PENDING_BYTES = 256 * 1024;
/** One logical (wrapped) line of scrollback is cut into entries of at most this many characters. */
const MAX_ENTRY_CHARS = 16 * 1024;
/** During a flood: the raw output kept to rebuild the screen from. */
const FLOOD_TAIL_BYTES = 1024 * 1024;
/** Quiet time after a flood before the mirror rebuilds itself from the tail. */
const QUIET_MS = 250;

export interface MirrorOptions {
  cols: number;
  rows: number;
  scrollbackLines: number;
}

export class ScreenMirror {
  readonly #term: InstanceType<typeof Terminal>;
  readonly #serializer: InstanceType<typeof SerializeAddon>;
  #pending = 0;
  #waiters: (() => void)[] = [];
  #disposed = false;
  /** The scrollback: a ring of `#max` lines as text with SGR attributes, oldest at `#head`. */
  readonly #lines: string[] = [];
  #head = 0;
  readonly #max: number;
  readonly #cell;
  /** In a flood: the raw tail (oldest first), not yet parsed. */
  #flood: Buffer[] | null = null;
  #floodBytes = 0;
  #lastWrite = 0;
  #quiet: NodeJS.Timeout | null = null;
  #resyncing: Promise<void> | null = null;

  constructor(opts: MirrorOptions) {
    this.#max = opts.scrollbackLines;
    // One line of xterm.js scrollback: enough for onScroll to show the line that just left.
    this.#term = new Terminal({ cols: Math.max(1, opts.cols), rows: Math.max(1, opts.rows), scrollback: 1, allowProposedApi: true });
    this.#serializer = new SerializeAddon();
    this.#term.loadAddon(this.#serializer);
    this.#cell = this.#term.buffer.normal.getNullCell();
    this.#term.onScroll(() => this.keepScrolledLine());
    // `clear` sends ED 3 (erase saved lines): the kept scrollback goes too.
    this.#term.parser.registerCsiHandler({ final: 'J' }, (params) => {
      if (params[0] === 3) this.clearScrollback();
      return false;
    });
  }

  /** Feeds output to the terminal (xterm.js parses it in time slices), or to a flood's tail. */
  write(chunk: Buffer): void {
    if (this.#disposed) return;
    this.#lastWrite = Date.now();
    if (this.#flood === null && this.#pending + chunk.length <= MAX_PENDING_BYTES) {
      this.feed(chunk);
      return;
    }
    this.#flood ??= [];
    this.#flood.push(chunk);
    this.#floodBytes += chunk.length;
    while (this.#floodBytes - this.#flood[0].length >= FLOOD_TAIL_BYTES) this.#floodBytes -= this.#flood.shift()!.length;
    this.#quiet ??= setTimeout(() => this.whenQuiet(), QUIET_MS);
  }

  /** Resolves once the parse queue is below the low-water mark (for callers that pace input). */
  drained(): Promise<void> {
    if (this.#pending <= MAX_PENDING_BYTES / 2 || this.#disposed) return Promise.resolve();
    return new Promise((r) => this.#waiters.push(r));
  }

  resize(cols: number, rows: number): void {
    if (this.#disposed || cols < 1 || rows < 1) return;
    if (cols === this.#term.cols && rows === this.#term.rows) return;
    this.#term.resize(cols, rows);
  }

  get size(): { cols: number; rows: number } {
    return { cols: this.#term.cols, rows: this.#term.rows };
  }

  /**
   * Everything written so far parsed, the screen (with its scrollback and terminal modes) as
   * escape sequences that redraw it on a cleared terminal of the same size.
   */
  async snapshot(): Promise<string> {
    if (this.#disposed) return '';
    while (this.#flood !== null) await this.resync();
    await new Promise<void>((r) => this.#term.write('', r));
    const n = this.#lines.length;
    let kept = '';
    for (let i = 0; i < n; i++) kept += `${this.#lines[(this.#head + i) % n]}\r\n`;
    return kept + this.#serializer.serialize({ scrollback: 0 });
  }

  private feed(chunk: Buffer): void {
    this.#pending += chunk.length;
    this.#term.write(chunk, () => {
      this.#pending -= chunk.length;
      if (this.#pending <= MAX_PENDING_BYTES / 2) this.wake();
    });
  }

  private whenQuiet(): void {
    this.#quiet = null;
    if (this.#flood === null || this.#disposed) return;
    const left = QUIET_MS - (Date.now() - this.#lastWrite);
    if (left > 0) {
      this.#quiet = setTimeout(() => this.whenQuiet(), left);
      return;
    }
    void this.resync();
  }

  /** After a flood: what was queued is parsed, then the terminal is reset and fed the tail. */
  private resync(): Promise<void> {
    this.#resyncing ??= (async () => {
      await new Promise<void>((r) => this.#term.write('', r));
      const flood = this.#flood;
      if (flood === null || this.#disposed) return;
      this.#flood = null;
      this.#floodBytes = 0;
      let tail = Buffer.concat(flood);
      // Start at a line: the cut may fall inside an escape sequence or a character.
      const nl = tail.indexOf(0x0a);
      if (nl >= 0 && nl < 4096) tail = tail.subarray(nl + 1);
      this.#term.reset();
      this.clearScrollback();
      this.feed(tail);
    })().finally(() => { this.#resyncing = null; });
    return this.#resyncing;
  }

  /** Lines of scrollback kept. */
  get scrollbackLength(): number {
    return this.#lines.length;
  }

  /** The line that just scrolled off the top of the normal screen joins the kept scrollback. */
  private keepScrolledLine(): void {
    const buf = this.#term.buffer.active;
    if (buf !== this.#term.buffer.normal || this.#max === 0 || buf.baseY < 1) return;
    const line = buf.getLine(buf.baseY - 1);
    if (!line) return;
    const text = lineToAnsi(line, this.#cell);
    const n = this.#lines.length;
    const last = n === 0 ? -1 : (this.#head + n - 1) % n;
    if (line.isWrapped && last >= 0 && this.#lines[last].length + text.length <= MAX_ENTRY_CHARS) {
      this.#lines[last] = [this.#lines[last], text].join(''); // a wrapped line stays one (flat) line
    } else if (n < this.#max) {
      this.#lines.push(text);
    } else {
      this.#lines[this.#head] = text;
      this.#head = (this.#head + 1) % n;
    }
  }

  private clearScrollback(): void {
    this.#lines.length = 0;
    this.#head = 0;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#quiet) clearTimeout(this.#quiet);
    this.#flood = null;
    this.wake();
    this.clearScrollback();
    this.#serializer.dispose();
    this.#term.dispose();
  }

  private wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const r of w) r();
  }
}
