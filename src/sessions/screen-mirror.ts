/**
 * The screen of a PTY session as podgate last saw it: every output byte goes through a headless
 * xterm.js terminal (`@xterm/headless`), so that a client attaching later gets the screen
 * redrawn (`@xterm/addon-serialize`) instead of a replay of everything the session printed.
 * Memory is bounded by the terminal's size and `scrollbackLines`; bytes not yet parsed are
 * bounded by `maxPendingBytes`, past which the caller is told to pause its source.
 */
import headless from '@xterm/headless';
import serialize from '@xterm/addon-serialize';

// Both packages are CommonJS: their classes come from the default export.
const { Terminal } = headless;
const { SerializeAddon } = serialize;

/** Bytes written but not yet parsed above which `write` asks the source to wait. */
const MAX_PENDING_BYTES = 256 * 1024;

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

  constructor(opts: MirrorOptions) {
    this.#term = new Terminal({ cols: Math.max(1, opts.cols), rows: Math.max(1, opts.rows), scrollback: opts.scrollbackLines, allowProposedApi: true });
    this.#serializer = new SerializeAddon();
    this.#term.loadAddon(this.#serializer);
  }

  /**
   * Feeds output to the terminal. Returns false when enough is queued that the source should
   * pause until `drained()` resolves (xterm.js parses in time slices, not synchronously).
   */
  write(chunk: Buffer): boolean {
    if (this.#disposed) return true;
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
    await new Promise<void>((r) => this.#term.write('', r));
    return this.#serializer.serialize();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.wake();
    this.#serializer.dispose();
    this.#term.dispose();
  }

  private wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const r of w) r();
  }
}
