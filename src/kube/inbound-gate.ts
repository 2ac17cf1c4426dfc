import type { Readable } from 'node:stream';
import type { StreamSocket } from './stream-socket.ts';

/**
 * Backpressure from Readables fed by one WebSocket: when a Readable's `push()` returns false
 * the WebSocket (its TCP socket) is paused, and it resumes once every such Readable has asked
 * for more (`_read`). At most what `ws` had already parsed arrives while paused.
 */
export class InboundGate {
  readonly #ws: Pick<StreamSocket, 'pause' | 'resume'>;
  readonly #blocked = new Set<Readable>();

  constructor(ws: Pick<StreamSocket, 'pause' | 'resume'>) {
    this.#ws = ws;
  }

  /** Pushes a chunk into `r`, pausing the socket if `r` is full. */
  push(r: Readable, chunk: Buffer): void {
    if (r.destroyed || r.readableEnded) return;
    if (!r.push(chunk)) {
      this.#blocked.add(r);
      this.#ws.pause();
    }
  }

  /** Call from `_read`: `r` wants more. */
  wants(r: Readable): void {
    if (!this.#blocked.delete(r)) return;
    if (this.#blocked.size === 0) this.#ws.resume();
  }

  /** `r` will never be pushed again (ended or destroyed): it no longer holds the socket. */
  release(r: Readable): void {
    this.wants(r);
  }

  get paused(): boolean {
    return this.#blocked.size > 0;
  }
}
