import type { Writable } from 'node:stream';
import { displayPath, type FileOpSink } from '../file-op-audit.ts';
import { toFsError } from '../pod-fs/fs-error.ts';
import type { PodFs } from '../pod-fs/pod-fs.ts';
import type { ChannelReader } from './channel-reader.ts';
import type { ScpCommand } from './scp-command.ts';

const OK = Buffer.from([0]);
const join = (dir: string, name: string): string => (dir.endsWith('/') ? dir + name : `${dir}/${name}`);

/**
 * `scp -t`: receives files from the client into the container through the file layer. Returns
 * the exit status scp would (1 if anything failed).
 */
export async function scpSink(cmd: ScpCommand, input: ChannelReader, out: Writable, fs: PodFs, audit: FileOpSink): Promise<number> {
  let failed = false;
  const warn = (msg: string): void => { failed = true; out.write(Buffer.from(`\x01scp: ${msg}\n`, 'latin1')); };
  const target = await fs.resolve(cmd.path);
  let targetIsDir = false;
  try { targetIsDir = ((await fs.stat(target)).mode & 0o170000) === 0o040000; } catch { targetIsDir = false; }
  if (cmd.targetIsDir && !targetIsDir) {
    out.write(Buffer.from(`\x02scp: ${displayPath(target)}: Not a directory\n`, 'latin1'));
    return 1;
  }
  const dirs: { path: string; times: { atime: number; mtime: number } | null }[] = [];
  let times: { atime: number; mtime: number } | null = null;
  out.write(OK);
  for (;;) {
    const line = await input.line();
    if (line === null) break;
    const kind = line[0];
    if (kind === '\x01' || kind === '\x02') { failed = true; if (kind === '\x02') break; continue; }
    if (kind === 'E') {
      const dir = dirs.pop();
      if (dir?.times) await fs.setstat(dir.path, dir.times).catch(() => undefined);
      times = null;
      out.write(OK);
      continue;
    }
    if (kind === 'T') {
      const m = /^T(\d+) \d+ (\d+) \d+$/.exec(line);
      if (m === null) { out.write(Buffer.from('\x02scp: protocol error: bad T line\n')); return 1; }
      times = { mtime: Number(m[1]), atime: Number(m[2]) };
      out.write(OK);
      continue;
    }
    const m = /^([CD])([0-7]{4}) (\d+) (.+)$/s.exec(line);
    if (m === null || m[4].includes('/') || m[4] === '..') {
      out.write(Buffer.from('\x02scp: protocol error: unexpected line\n'));
      return 1;
    }
    const mode = parseInt(m[2], 8);
    const size = Number(m[3]);
    const parent = dirs[dirs.length - 1]?.path;
    const path = parent !== undefined ? join(parent, m[4]) : targetIsDir ? join(target, m[4]) : target;
    if (m[1] === 'D') {
      if (!cmd.recursive) { out.write(Buffer.from('\x02scp: received directory without -r\n')); return 1; }
      try {
        let isDir = false;
        try { isDir = ((await fs.stat(path)).mode & 0o170000) === 0o040000; } catch { isDir = false; }
        if (!isDir) {
          await fs.mkdir(path, mode | 0o700);
          audit({ op: 'mkdir', path: displayPath(path), result: 'ok' });
        }
        if (cmd.preserve) await fs.setstat(path, { mode });
        dirs.push({ path, times });
        times = null;
        out.write(OK);
      } catch (err) {
        audit({ op: 'mkdir', path: displayPath(path), result: toFsError(err).message });
        out.write(Buffer.from(`\x02scp: ${displayPath(path)}: ${toFsError(err).message}\n`, 'latin1'));
        return 1;
      }
      continue;
    }
    // A file: accept, take exactly `size` bytes, then the client's trailing status byte.
    let error: string | null = null;
    let writer: Awaited<ReturnType<PodFs['openWrite']>>['writer'] | null = null;
    try {
      writer = (await fs.openWrite(path, { append: false, creat: true, trunc: true, excl: false }, mode)).writer;
    } catch (err) {
      error = toFsError(err).message;
    }
    out.write(OK);
    let offset = 0;
    while (offset < size) {
      const chunk = await input.read(Math.min(size - offset, 256 * 1024));
      if (chunk === null) return 1;
      if (writer !== null && error === null) {
        try { await writer.write(offset, chunk); } catch (err) { error = toFsError(err).message; }
      }
      offset += chunk.length;
    }
    const status = await input.byte();
    if (status === null) return 1;
    if (writer !== null) {
      try {
        await writer.flush();
        if (cmd.preserve) await fs.setstat(path, { mode, ...(times ?? {}) });
      } catch (err) { error ??= toFsError(err).message; }
    }
    times = null;
    audit({ op: 'write', path: displayPath(path), size, result: error ?? 'ok' });
    if (error !== null) warn(`${displayPath(path)}: ${error}`);
    else out.write(OK);
  }
  return failed ? 1 : 0;
}
