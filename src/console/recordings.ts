/**
 * `recordings`: a table of the session recordings this user may play (src/recordings): their
 * own, and with `allow.recordings` everyone's in their namespaces; the newest LIMIT, last written first. The ID
 * column is what `play ID` takes.
 */
import { PodgateError } from '../errors/index.ts';
import { recordingAccess } from '../recordings/access.ts';
import { listRecordings } from '../recordings/catalog.ts';
import type { ConsoleContext } from '../session/extensions.ts';
import { age, formatTable, printable } from './table.ts';

const LIMIT = 100;
const HEADER = ['ID', 'USER', 'TARGET', 'STARTED', 'LAST WRITE', 'SIZE'];

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)}K`;
  return `${(bytes / 1024 / 1024).toFixed(1)}M`;
}

export async function recordingsTable(ctx: ConsoleContext, args: string[], eol: string): Promise<string> {
  if (args.length > 0) throw new PodgateError('UNSUPPORTED', 'usage: recordings');
  const dir = ctx.config.recordings.dir;
  if (dir === undefined) throw new PodgateError('RECORDING_NOT_FOUND', 'recordings are off on this bastion');
  const rows = await listRecordings(dir, (header) => recordingAccess(ctx.user, header).allowed, LIMIT);
  if (rows.length === 0) return `No recordings you may play.${eol}`;
  return formatTable(HEADER, rows.map((r) => {
    const target = r.title !== null && r.owner !== null && r.title.startsWith(`${r.owner}+`) ? r.title.slice(r.owner.length + 1) : (r.title ?? '');
    const started = r.timestamp === null ? '<unknown>' : new Date(r.timestamp * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    return [r.id, printable(r.owner ?? '<unknown>'), printable(target), started, age(new Date(r.mtimeMs)), size(r.bytes)];
  }), eol);
}
