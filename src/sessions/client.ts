/**
 * One client of a live session (the attached one, or a watcher): the handle its owner holds.
 * Its resizes and its leaving go to the session, which settles `ended` once.
 */
import type { WindowSize } from '../ssh/types.ts';
import type { AttachEnd, AttachHandle, TerminalPeer } from './types.ts';

/** What a client needs of its session. */
export interface ClientSession {
  clientResized(c: Client, size: WindowSize): void;
  clientLeft(c: Client): void;
}

export class Client implements AttachHandle {
  readonly ended: Promise<AttachEnd>;
  #settle!: (e: AttachEnd) => void;
  #over = false;
  constructor(
    readonly peer: TerminalPeer,
    private readonly session: ClientSession,
    readonly watcher: string | null,
  ) {
    this.ended = new Promise((r) => { this.#settle = r; });
  }
  get over(): boolean { return this.#over; }
  resize(size: WindowSize): void { this.session.clientResized(this, size); }
  detach(): void { this.session.clientLeft(this); }
  /** Settles `ended` (once); the client stops getting output. */
  end(e: AttachEnd): void {
    if (this.#over) return;
    this.#over = true;
    this.#settle(e);
  }
}
