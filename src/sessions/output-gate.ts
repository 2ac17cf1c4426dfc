/**
 * Pauses a readable for as long as any reason holds (the attached client's window is full, a
 * client is switching in) and resumes it when the last one lets go.
 */
import type { Readable } from 'node:stream';

export class OutputGate {
  readonly #holds = new Set<string>();
  #closed = false;

  constructor(private readonly source: Readable) {}

  hold(why: string): void {
    this.#holds.add(why);
    this.source.pause();
  }

  release(why: string): void {
    if (!this.#holds.delete(why)) return;
    if (this.#holds.size === 0 && !this.#closed) this.source.resume();
  }

  /** The source is done: never resume it again. */
  close(): void {
    this.#closed = true;
  }
}
