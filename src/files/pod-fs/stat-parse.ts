import type { Attrs } from '../sftp/attrs.ts';

/** What one `stat -c '%f %u %g %s %X %Y %h %U %G'` line says about a file. */
export interface FileStat extends Required<Attrs> {
  nlink: number;
  user: string;
  group: string;
}

/** Parses the nine fields (the raw mode is hex, as both GNU and busybox stat print %f). */
function parseStatFields(fields: readonly string[]): FileStat | null {
  if (fields.length < 9) return null;
  const [mode, uid, gid, size, atime, mtime, nlink, user, group] = fields as [string, string, string, string, string, string, string, string, string];
  const nums = [parseInt(mode, 16), Number(uid), Number(gid), Number(size), Number(atime), Number(mtime), Number(nlink)];
  if (nums.some((n) => !Number.isFinite(n))) return null;
  return {
    mode: nums[0], uid: nums[1], gid: nums[2], size: nums[3], atime: nums[4], mtime: nums[5], nlink: nums[6],
    user: user === 'UNKNOWN' ? uid : user, group: group === 'UNKNOWN' ? gid : group,
  };
}

/** One stat line (trailing newline allowed). */
export function parseStatLine(line: string): FileStat | null {
  return parseStatFields(line.replace(/\n$/, '').split(' '));
}

/** Directory listing: records `FIELDS NAME//\n`; a basename can hold no `/`, so `//\n` ends it. */
export function parseListing(out: string): { name: string; stat: FileStat }[] {
  const entries: { name: string; stat: FileStat }[] = [];
  for (const rec of out.split('//\n')) {
    if (rec === '') continue;
    const parts = rec.split(' ');
    const stat = parseStatFields(parts.slice(0, 9));
    if (stat === null) continue;
    entries.push({ name: parts.slice(9).join(' '), stat });
  }
  return entries;
}
