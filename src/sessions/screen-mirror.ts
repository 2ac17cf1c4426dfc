/**
 * The screen of a PTY session as podgate last saw it: every output byte goes through a headless
 * xterm.js terminal (`@xterm/headless`), so that a client attaching later gets the screen
 * redrawn (`@xterm/addon-serialize`) instead of a replay of everything the session printed.
 * The scrollback is not kept in xterm.js (12 bytes a cell) but as one string per line, with its
 * colours (line-ansi.ts), the newest `scrollbackLines` of them, older ones compressed in blocks
 * (scrollback-store.ts); `clear` (ED 3) empties it.
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
import { FloodTail } from './flood-tail.ts';
import { ScrollbackStore } from './scrollback-store.ts';

// Both packages are CommonJS: their classes come from the default export.
const { Terminal } = headless;
const { SerializeAddon } = serialize;

/** Bytes written but not yet parsed above which `write` asks the source to wait. */
const MAX_PENDING_BYTES = 256 * 1024;
/**
 * The mirror's largest screen. A client may announce any window size (32 bits each way); the
 * real PTY gets it (clamped to 16 bits), but a headless screen of 65535x65535 cells would be
 * gigabytes. Larger windows are mirrored at this size (a redraw then shows its top-left part).
 */
const MAX_COLS = 1000;
const MAX_ROWS = 500;
/** One logical (wrapped) line of scrollback is cut into entries of at most this many characters. */
const MAX_ENTRY_CHARS = 16 * 1024;
/** During a flood: the raw output kept to rebuild the screen from. */
const FLOOD_TAIL_BYTES = 1024 * 1024;
/** Quiet time after a flood before the mirror rebuilds itself from the tail. */
const QUIET_MS = 250;
/**
 * The largest piece handed to xterm.js in one write. It decodes a write into a parse buffer of
 * 4 bytes a character that starts at 4096 characters, grows to the largest write seen (up to
 * 512 KiB) and is kept for the terminal's life: fed at most 4 KiB at a time, it never grows
 * (16 KiB per session; 16 KiB pieces kept 64 KiB, and cost no less CPU).
 */
const MAX_FEED_BYTES = 4 * 1024;

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
  /** A window size not applied yet (see resize). */
  #wanted: { cols: number; rows: number } | null = null;
  /** The scrollback: the newest `scrollbackLines` lines as text with SGR attributes. */
  readonly #lines: ScrollbackStore;
  readonly #cell;
  /** In a flood: the raw tail, not yet parsed. */
  #flood: FloodTail | null = null;
  #lastWrite = 0;
  #quiet: NodeJS.Timeout | null = null;
  #resyncing: Promise<void> | null = null;

  constructor(opts: MirrorOptions) {
    this.#lines = new ScrollbackStore(opts.scrollbackLines);
    // One line of xterm.js scrollback: enough for onScroll to show the line that just left.
    this.#term = new Terminal({ cols: clamp(opts.cols, MAX_COLS), rows: clamp(opts.rows, MAX_ROWS), scrollback: 1, allowProposedApi: true });
    this.#serializer = new SerializeAddon();
    this.#term.loadAddon(this.#serializer);
    this.#cell = this.#term.buffer.normal.getNullCell();
    if (opts.scrollbackLines > 0) this.#term.onScroll(() => this.keepScrolledLine());
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
    this.applySize();
    if (this.#flood === null && this.#pending + chunk.length <= MAX_PENDING_BYTES) {
      this.feed(chunk);
      return;
    }
    this.#flood ??= new FloodTail(FLOOD_TAIL_BYTES);
    this.#flood.push(chunk);
    this.#quiet ??= setTimeout(() => this.whenQuiet(), QUIET_MS);
  }

  /** Resolves once the parse queue is below the low-water mark (for callers that pace input). */
  drained(): Promise<void> {
    if (this.#pending <= MAX_PENDING_BYTES / 2 || this.#disposed) return Promise.resolve();
    return new Promise((r) => this.#waiters.push(r));
  }

  /**
   * Takes the new window size; the terminal is resized when it next needs to be (the next
   * output, a snapshot, `size`): a flood of window-changes costs one resize (a reflow of the
   * screen), not one each.
   */
  resize(cols: number, rows: number): void {
    if (this.#disposed || cols < 1 || rows < 1) return;
    this.#wanted = { cols: clamp(cols, MAX_COLS), rows: clamp(rows, MAX_ROWS) };
  }

  get size(): { cols: number; rows: number } {
    this.applySize();
    return { cols: this.#term.cols, rows: this.#term.rows };
  }

  private applySize(): void {
    const w = this.#wanted;
    if (!w) return;
    this.#wanted = null;
    if (w.cols !== this.#term.cols || w.rows !== this.#term.rows) this.#term.resize(w.cols, w.rows);
  }

  /**
   * Everything written so far parsed, the screen (with its scrollback and terminal modes) as
   * escape sequences that redraw it on a cleared terminal of the same size.
   */
  async snapshot(): Promise<string> {
    if (this.#disposed) return '';
    this.applySize();
    await this.parsed();
    const kept = this.#lines.lines();
    const above = kept.length === 0 ? '' : `${kept.join('\r\n')}\r\n`;
    return above + this.#serializer.serialize({ scrollback: 0 });
  }

  /** Resolves once everything written so far is parsed (after a flood: its tail, rebuilt). */
  async parsed(): Promise<void> {
    while (this.#flood !== null) await this.resync();
    await new Promise<void>((r) => this.#term.write('', r));
  }

  private feed(chunk: Buffer): void {
    for (let at = 0; at < chunk.length; at += MAX_FEED_BYTES) {
      const piece = chunk.length <= MAX_FEED_BYTES ? chunk : chunk.subarray(at, at + MAX_FEED_BYTES);
      this.#pending += piece.length;
      this.#term.write(piece, () => {
        this.#pending -= piece.length;
        if (this.#pending <= MAX_PENDING_BYTES / 2) this.wake();
      });
    }
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
      if (this.#flood === null || this.#disposed) return;
      const bytes = this.#flood.bytes;
      const flood = this.#flood.take();
      this.#flood = null;
      // Start at a line: the cut may fall inside an escape sequence or a character.
      const nl = Buffer.concat(flood, Math.min(4096, bytes)).indexOf(0x0a);
      let skip = nl >= 0 ? nl + 1 : 0;
      this.#term.reset();
      this.clearScrollback();
      // The tail's chunks as they are (no 1 MiB copy); xterm.js lets each go once parsed.
      for (const c of flood) {
        if (skip < c.length) this.feed(skip === 0 ? c : c.subarray(skip));
        skip = Math.max(0, skip - c.length);
      }
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
    if (buf !== this.#term.buffer.normal || buf.baseY < 1) return;
    const line = buf.getLine(buf.baseY - 1);
    if (!line) return;
    const text = lineToAnsi(line, this.#cell);
    // A wrapped line stays one line (up to MAX_ENTRY_CHARS, then it is cut into entries).
    if (!line.isWrapped || !this.#lines.extendLast(text, MAX_ENTRY_CHARS)) this.#lines.push(text);
  }

  private clearScrollback(): void {
    this.#lines.clear();
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

function clamp(n: number, max: number): number {
  return Math.min(max, Math.max(1, Math.floor(n)));
}
