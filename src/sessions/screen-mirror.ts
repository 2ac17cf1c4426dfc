/**
 * The screen of a PTY session as podgate last saw it: every output byte goes through a headless
 * xterm.js terminal (`@xterm/headless`), so that a client attaching later gets the screen
 * redrawn (`@xterm/addon-serialize`) instead of a replay of everything the session printed.
 * The scrollback is not kept in xterm.js (12 bytes a cell) but as one string per line, with its
 * colours (line-ansi.ts), in a ring of `scrollbackLines`; `clear` (ED 3) empties it. Bytes not
 * yet parsed are bounded too, past which the caller is told to pause its source.
 */
import headless from '@xterm/headless';
import serialize from '@xterm/addon-serialize';
import { lineToAnsi } from './line-ansi.ts';

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
  /** The scrollback: a ring of `#max` lines as text with SGR attributes, oldest at `#head`. */
  readonly #lines: string[] = [];
  #head = 0;
  readonly #max: number;
  readonly #cell;

  constructor(opts: MirrorOptions) {
    this.#max = opts.scrollbackLines;
    // One line of xterm.js scrollback: enough for onScroll to show the line that just left.
    this.#term = new Terminal({ cols: clamp(opts.cols, MAX_COLS), rows: clamp(opts.rows, MAX_ROWS), scrollback: 1, allowProposedApi: true });
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

  /**
   * Feeds output to the terminal. Returns false when enough is queued that the source should
   * pause until `drained()` resolves (xterm.js parses in time slices, not synchronously).
   */
  write(chunk: Buffer): boolean {
    if (this.#disposed) return true;
    this.applySize();
    this.#pending += chunk.length;
    this.#term.write(chunk, () => {
      this.#pending -= chunk.length;
      if (this.#pending <= MAX_PENDING_BYTES / 2) this.wake();
    });
    return this.#pending <= MAX_PENDING_BYTES;
  }

  /** Resolves once the queue is below the low-water mark. */
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
    await new Promise<void>((r) => this.#term.write('', r));
    const n = this.#lines.length;
    let kept = '';
    for (let i = 0; i < n; i++) kept += `${this.#lines[(this.#head + i) % n]}\r\n`;
    return kept + this.#serializer.serialize({ scrollback: 0 });
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
