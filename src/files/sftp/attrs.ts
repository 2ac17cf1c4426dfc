import { ATTR_FLAGS } from './constants.ts';

/** File attributes as SFTP v3 carries them (every field optional). */
export interface Attrs {
  size?: number;
  uid?: number;
  gid?: number;
  mode?: number;
  atime?: number;
  mtime?: number;
}

/** Byte length of `a` encoded. */
export function attrsLength(a: Attrs): number {
  let n = 4;
  if (a.size !== undefined) n += 8;
  if (a.uid !== undefined && a.gid !== undefined) n += 8;
  if (a.mode !== undefined) n += 4;
  if (a.atime !== undefined && a.mtime !== undefined) n += 8;
  return n;
}

/** Writes `a` at `off` in `buf`; returns the offset after it. */
export function writeAttrs(buf: Buffer, off: number, a: Attrs): number {
  let flags = 0;
  if (a.size !== undefined) flags |= ATTR_FLAGS.SIZE;
  if (a.uid !== undefined && a.gid !== undefined) flags |= ATTR_FLAGS.UIDGID;
  if (a.mode !== undefined) flags |= ATTR_FLAGS.PERMISSIONS;
  if (a.atime !== undefined && a.mtime !== undefined) flags |= ATTR_FLAGS.ACMODTIME;
  off = buf.writeUInt32BE(flags, off);
  if (a.size !== undefined) off = buf.writeBigUInt64BE(BigInt(a.size), off);
  if (a.uid !== undefined && a.gid !== undefined) {
    off = buf.writeUInt32BE(a.uid >>> 0, off);
    off = buf.writeUInt32BE(a.gid >>> 0, off);
  }
  if (a.mode !== undefined) off = buf.writeUInt32BE(a.mode >>> 0, off);
  if (a.atime !== undefined && a.mtime !== undefined) {
    off = buf.writeUInt32BE(a.atime >>> 0, off);
    off = buf.writeUInt32BE(a.mtime >>> 0, off);
  }
  return off;
}

const TYPE_CHARS: Record<number, string> = {
  0o140000: 's', 0o120000: 'l', 0o100000: '-', 0o060000: 'b', 0o040000: 'd', 0o020000: 'c', 0o010000: 'p',
};
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `drwxr-xr-x`-style mode string, as ls -l prints it. */
function modeString(mode: number): string {
  const t = TYPE_CHARS[mode & 0o170000] ?? '?';
  const bit = (m: number, c: string): string => ((mode & m) !== 0 ? c : '-');
  const x = (m: number, special: number, lower: string, upper: string): string => {
    const xs = (mode & m) !== 0;
    if ((mode & special) === 0) return xs ? 'x' : '-';
    return xs ? lower : upper;
  };
  return t + bit(0o400, 'r') + bit(0o200, 'w') + x(0o100, 0o4000, 's', 'S')
    + bit(0o040, 'r') + bit(0o020, 'w') + x(0o010, 0o2000, 's', 'S')
    + bit(0o004, 'r') + bit(0o002, 'w') + x(0o001, 0o1000, 't', 'T');
}

/** The `ls -l` line OpenSSH's sftp-server sends as longname. */
export function longName(name: string, a: Attrs & { nlink?: number; user?: string; group?: string }, nowSec = Date.now() / 1000): string {
  const mtime = a.mtime ?? 0;
  const d = new Date(mtime * 1000);
  const recent = Math.abs(nowSec - mtime) < 182 * 24 * 3600;
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const when = recent
    ? `${MONTHS[d.getUTCMonth()]} ${day} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`
    : `${MONTHS[d.getUTCMonth()]} ${day}  ${d.getUTCFullYear()}`;
  const user = (a.user ?? String(a.uid ?? 0)).slice(0, 8).padEnd(8, ' ');
  const group = (a.group ?? String(a.gid ?? 0)).slice(0, 8).padEnd(8, ' ');
  const nlink = String(a.nlink ?? 1).padStart(3, ' ');
  const size = String(a.size ?? 0).padStart(8, ' ');
  return `${modeString(a.mode ?? 0)} ${nlink} ${user} ${group} ${size} ${when} ${name}`;
}
