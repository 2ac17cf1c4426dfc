/**
 * The memory budget of one session of podgate's own SFTP server (`limits.sftp*`, documented in
 * src/config/types.ts; defaults in src/config/schema.ts).
 */
import type { LimitsConfig } from '../../config/types.ts';

export type SftpLimits = Pick<LimitsConfig,
  'sftpMaxHandles' | 'sftpReadAheadBytes' | 'sftpSessionReadAheadBytes' | 'sftpMaxRequestsInFlight' | 'sftpMaxBytesInFlight' | 'sftpMaxPathBytes'
  | 'sftpMaxStreams' | 'sftpMaxStreamsTotal' | 'sftpMaxBytesInFlightTotal'>;

/** Called when a request is refused by a limit (audited by the caller, e.g. LIMIT_REFUSED). */
export type RefusalSink = (limit: keyof SftpLimits, value: number) => void;

/** Bytes read ahead by all of one session's open files, against `sftpSessionReadAheadBytes`. */
export class ReadAheadBudget {
  used = 0;
  readonly max: number;
  constructor(max: number) { this.max = max; }
  get over(): boolean { return this.used >= this.max; }
}

/**
 * SFTP bytes in flight in all sessions of the process together, against
 * `sftpMaxBytesInFlightTotal` (one pool per process: filesExtensions). Each session still gets
 * one request at a time whatever the pool holds, so no session is stalled by the others; past
 * that, a session whose next request does not fit waits (its channel paused) until some
 * session's requests finish.
 */
export class InFlightPool {
  used = 0;
  readonly #waiting = new Set<() => void>();

  fits(bytes: number, max: number): boolean {
    return this.used + bytes <= max;
  }

  take(bytes: number): void {
    this.used += bytes;
  }

  /** Gives bytes back and tells the waiting sessions to try again. */
  give(bytes: number): void {
    this.used -= bytes;
    for (const retry of [...this.#waiting]) {
      this.#waiting.delete(retry);
      retry();
    }
  }

  /** `retry` runs once after the next `give` (or never, after `cancel`). */
  wait(retry: () => void): void {
    this.#waiting.add(retry);
  }

  cancel(retry: () => void): void {
    this.#waiting.delete(retry);
  }
}
