/**
 * Terminal resizes on their way to the API server, coalesced: at most one every `intervalMs`,
 * always the latest size, and none that repeats the size last sent. A client's window-change
 * requests are not limited by any SSH window; without this, a flood of them became one
 * WebSocket frame each and queued up in the API server and the container runtime, delaying the
 * real output and the session's end for as long as the backlog took to drain.
 */
import type { TerminalSize } from './types.ts';

export class ResizeCoalescer {
  readonly #send: (size: TerminalSize) => void;
  readonly #intervalMs: number;
  #pending: TerminalSize | null = null;
  #lastKey = '';
  #lastAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(send: (size: TerminalSize) => void, intervalMs = 50) {
    this.#send = send;
    this.#intervalMs = intervalMs;
  }

  push(size: TerminalSize): void {
    this.#pending = size;
    if (this.#timer) return;
    const wait = this.#lastAt + this.#intervalMs - Date.now();
    if (wait <= 0) { this.#flush(); return; }
    this.#timer = setTimeout(() => { this.#timer = undefined; this.#flush(); }, wait);
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = null;
  }

  #flush(): void {
    const size = this.#pending;
    this.#pending = null;
    if (size === null) return;
    const key = `${size.cols}x${size.rows}`;
    if (key === this.#lastKey) return;
    this.#lastKey = key;
    this.#lastAt = Date.now();
    this.#send(size);
  }
}
