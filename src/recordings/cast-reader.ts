/**
 * Reads a recording back for `play`: the ID is checked against the session-ID shape before it
 * becomes a path (so `..`, `/`, NUL or an absolute path never reach the file system), the file
 * is opened without following symlinks or blocking (a FIFO) and must be a regular file, the header must be asciicast
 * v2 (podgate's own `podgate` field names the owner and namespace). Events are read one line at a time; a line that
 * does not parse (the last one, cut by a crash) ends the recording.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PodgateError } from '../errors/index.ts';
import { isSessionId } from '../session/session-id.ts';

interface CastEvent {
  time: number;
  type: string;
  data: string;
}

/** What podgate reads from a header: asciinema's fields, and from podgate's own whose and where. */
export interface CastHeaderInfo {
  width: number;
  height: number;
  timestamp: number | null;
  title: string | null;
  /** The podgate user the session ran as (null for a file without podgate's header field). */
  owner: string | null;
  /** The namespace of the session's pod (null likewise). */
  namespace: string | null;
}

export interface OpenRecording {
  id: string;
  header: CastHeaderInfo;
  events(): AsyncIterable<CastEvent>;
  close(): Promise<void>;
}

function notFound(id: string): PodgateError {
  return new PodgateError('RECORDING_NOT_FOUND', `no recording ${id}`);
}

function parseEvent(line: string): CastEvent | null {
  try {
    const v: unknown = JSON.parse(line);
    if (!Array.isArray(v) || typeof v[0] !== 'number' || typeof v[1] !== 'string' || typeof v[2] !== 'string') return null;
    return { time: v[0], type: v[1], data: v[2] };
  } catch {
    return null;
  }
}

/** A recording's first line, when it is an asciicast v2 header. */
export function parseHeader(line: string | undefined): CastHeaderInfo | null {
  try {
    const h = JSON.parse(line ?? '') as Record<string, unknown>;
    if (h['version'] !== 2 || typeof h['width'] !== 'number' || typeof h['height'] !== 'number') return null;
    const meta = h['podgate'] as Record<string, unknown> | undefined;
    return {
      width: h['width'], height: h['height'],
      timestamp: typeof h['timestamp'] === 'number' ? h['timestamp'] : null,
      title: typeof h['title'] === 'string' ? h['title'] : null,
      owner: typeof meta?.['user'] === 'string' ? meta['user'] : null,
      namespace: typeof meta?.['namespace'] === 'string' ? meta['namespace'] : null,
    };
  } catch {
    return null;
  }
}

/** Opens `<dir>/<id>.cast`; rejects with a PodgateError the user may see. */
export async function openRecording(dir: string, id: string): Promise<OpenRecording> {
  if (!isSessionId(id)) throw new PodgateError('UNSUPPORTED', 'a recording ID is a session ID: 16 hex digits');
  let fh: FileHandle;
  try {
    fh = await open(join(dir, `${id}.cast`), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    throw notFound(id);
  }
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    throw notFound(id);
  }
  const stream = fh.createReadStream({ encoding: 'utf8', autoClose: false });
  stream.on('error', () => { /* ends the line reader; the file is closed by close() */ });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const it = lines[Symbol.asyncIterator]();
  const close = async (): Promise<void> => {
    lines.close();
    stream.destroy();
    await fh.close().catch(() => undefined);
  };
  const first = await it.next().catch(() => ({ done: true as const, value: undefined }));
  const header = parseHeader(first.done ? undefined : first.value);
  if (!header) {
    await close();
    throw new PodgateError('RECORDING_NOT_FOUND', `${id} is not an asciicast v2 recording`);
  }
  return {
    id, header, close,
    async *events() {
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        const ev = parseEvent(next.value);
        if (!ev) return;
        yield ev;
      }
    },
  };
}
