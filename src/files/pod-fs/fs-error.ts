import { STATUS, type StatusCode } from '../sftp/constants.ts';

/** A file operation that failed in the container, with the SFTP status it maps to. */
export class FsError extends Error {
  readonly status: StatusCode;
  constructor(status: StatusCode, message: string) {
    super(message);
    this.name = 'FsError';
    this.status = status;
  }
}

/** Maps a tool's stderr (LC_ALL=C) to an SFTP status, as sftp-server maps errno. */
export function fsErrorFromStderr(stderr: string, fallback = 'operation failed'): FsError {
  const text = stderr.trim();
  const line = text.split('\n').filter((l) => l.trim() !== '').pop() ?? '';
  if (/No such file or directory|can't cd to|cannot access/i.test(text)) return new FsError(STATUS.NO_SUCH_FILE, 'No such file');
  if (/Permission denied|Operation not permitted|Read-only file system/i.test(text)) return new FsError(STATUS.PERMISSION_DENIED, 'Permission denied');
  const reason = /: ([^:]+)$/.exec(line)?.[1] ?? line;
  return new FsError(STATUS.FAILURE, reason === '' ? fallback : reason);
}

export function toFsError(err: unknown): FsError {
  if (err instanceof FsError) return err;
  return new FsError(STATUS.FAILURE, err instanceof Error ? err.message : String(err));
}
