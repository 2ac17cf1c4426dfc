/**
 * The memory budget of one session of podgate's own SFTP server (`limits.sftp*`, documented in
 * src/config/types.ts; defaults in src/config/schema.ts).
 */
import type { LimitsConfig } from '../../config/types.ts';

export type SftpLimits = Pick<LimitsConfig,
  'sftpMaxHandles' | 'sftpReadAheadBytes' | 'sftpSessionReadAheadBytes' | 'sftpMaxRequestsInFlight' | 'sftpMaxBytesInFlight' | 'sftpMaxPathBytes'
  | 'sftpMaxStreams' | 'sftpMaxStreamsTotal'>;

/** Called when a request is refused by a limit (audited by the caller, e.g. LIMIT_REFUSED). */
export type RefusalSink = (limit: keyof SftpLimits, value: number) => void;

/** Bytes read ahead by all of one session's open files, against `sftpSessionReadAheadBytes`. */
export class ReadAheadBudget {
  used = 0;
  readonly max: number;
  constructor(max: number) { this.max = max; }
  get over(): boolean { return this.used >= this.max; }
}
