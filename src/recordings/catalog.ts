/**
 * The recordings a user may play (./access.ts), newest first, for the console's `recordings`
 * command. Only podgate's own files (`<session id>.cast`,
 * regular files, not followed through symlinks) are read, and of each only its first line (at
 * most HEADER_BYTES), which names the owner.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { parseHeader, type CastHeaderInfo } from './cast-reader.ts';
import { castFiles } from './retention.ts';

const HEADER_BYTES = 16 * 1024;

export interface RecordingEntry {
  id: string;
  owner: string | null;
  title: string | null;
  /** Start, Unix seconds (from the header). */
  timestamp: number | null;
  bytes: number;
  /** Last write. */
  mtimeMs: number;
}

async function firstLine(path: string): Promise<string | undefined> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEADER_BYTES, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const nl = text.indexOf('\n');
    return nl < 0 ? undefined : text.slice(0, nl);
  } finally {
    await fh.close();
  }
}

/** The recordings whose header `may` accepts, newest (last written) first, at most `limit`. */
export async function listRecordings(dir: string, may: (header: CastHeaderInfo) => boolean, limit: number): Promise<RecordingEntry[]> {
  const files = (await castFiles(dir)).reverse();
  const out: RecordingEntry[] = [];
  for (const f of files) {
    if (out.length >= limit) break;
    const header = parseHeader(await firstLine(f.path).catch(() => undefined));
    if (!header || !may(header)) continue;
    out.push({ id: f.id, owner: header.owner, title: header.title, timestamp: header.timestamp, bytes: f.bytes, mtimeMs: f.mtimeMs });
  }
  return out;
}
