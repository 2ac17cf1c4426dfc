/**
 * Retention of recordings: at startup and every RETENTION_INTERVAL_MS, deletes the recordings
 * in `recordings.dir` last written more than `maxAgeDays` ago, then, while all of them together
 * use more than `maxBytes`, the oldest (by last write). Only podgate's own files are looked at
 * (`<session id>.cast`, regular files); a recording still being written is never deleted.
 * Every deletion is an audit event (RECORDING_DELETED).
 */
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RecordingsConfig } from '../config/types.ts';
import { emit } from '../events/emit.ts';
import { isSessionId } from '../session/session-id.ts';

const RETENTION_INTERVAL_MS = 10 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CastFile {
  /** The session ID (the file name without `.cast`). */
  id: string;
  path: string;
  bytes: number;
  mtimeMs: number;
}

/** The recordings in `dir` (regular files named `<session ID>.cast`), oldest (last written) first; [] without the dir. */
export async function castFiles(dir: string): Promise<CastFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files: CastFile[] = [];
  for (const name of names) {
    const id = name.endsWith('.cast') ? name.slice(0, -'.cast'.length) : '';
    if (!isSessionId(id)) continue;
    const path = join(dir, name);
    const st = await lstat(path).catch(() => null);
    if (st?.isFile()) files.push({ id, path, bytes: st.size, mtimeMs: st.mtimeMs });
  }
  return files.sort((a, b) => a.mtimeMs - b.mtimeMs);
}

/** One pass over the directory. Never rejects: failures are audited. */
export async function enforceRetention(config: RecordingsConfig, inUse: ReadonlySet<string>, logger: Logger, now = Date.now()): Promise<void> {
  const dir = config.dir;
  if (dir === undefined || (config.maxAgeDays === 0 && config.maxBytes === 0)) return;
  let files: CastFile[];
  try {
    files = await castFiles(dir);
  } catch (err) {
    emit(logger, { code: 'RECORDING_RETENTION_FAILED', path: dir, err: (err as Error).message }, 'cannot list recordings');
    return;
  }
  const remove = async (f: CastFile, reason: 'max-age' | 'max-bytes'): Promise<boolean> => {
    try {
      await unlink(f.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        emit(logger, { code: 'RECORDING_RETENTION_FAILED', path: f.path, err: (err as Error).message }, 'cannot delete a recording');
        return false;
      }
    }
    const ageDays = Math.round(((now - f.mtimeMs) / DAY_MS) * 100) / 100;
    emit(logger, { code: 'RECORDING_DELETED', path: f.path, bytes: f.bytes, reason, ageDays }, 'recording deleted by retention');
    return true;
  };
  const kept: CastFile[] = [];
  for (const f of files) {
    const old = config.maxAgeDays > 0 && now - f.mtimeMs > config.maxAgeDays * DAY_MS && !inUse.has(f.path);
    if (!old || !(await remove(f, 'max-age'))) kept.push(f);
  }
  if (config.maxBytes === 0) return;
  let total = kept.reduce((sum, f) => sum + f.bytes, 0);
  for (const f of kept) {
    if (total <= config.maxBytes) break;
    if (!inUse.has(f.path) && (await remove(f, 'max-bytes'))) total -= f.bytes;
  }
}

export interface Retention {
  /** The first pass (at startup). */
  readonly first: Promise<void>;
  stop(): void;
}

/** Runs a pass now and then periodically, with the config current at each pass. */
export function startRetention(o: { config: () => RecordingsConfig; inUse: () => ReadonlySet<string>; logger: Logger; intervalMs?: number }): Retention {
  let running: Promise<void> = Promise.resolve();
  const pass = (): Promise<void> => {
    running = running.then(() => enforceRetention(o.config(), o.inUse(), o.logger));
    return running;
  };
  const first = pass();
  const timer = setInterval(() => void pass(), o.intervalMs ?? RETENTION_INTERVAL_MS);
  timer.unref();
  return { first, stop: () => clearInterval(timer) };
}
