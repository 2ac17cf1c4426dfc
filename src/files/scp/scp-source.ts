import type { Writable } from 'node:stream';
import { displayPath, type FileOpSink } from '../file-op-audit.ts';
import { toFsError } from '../pod-fs/fs-error.ts';
import type { PodFs } from '../pod-fs/pod-fs.ts';
import type { FileStat } from '../pod-fs/stat-parse.ts';
import type { ChannelReader } from './channel-reader.ts';
import type { ScpCommand } from './scp-command.ts';

const CHUNK = 256 * 1024;
const base = (p: string): string => { const t = p.replace(/\/+$/, ''); return t.slice(t.lastIndexOf('/') + 1) || '/'; };

class Abort extends Error {}

/** `scp -f`: sends a file (or a tree with -r) from the container to the client. */
export async function scpSource(cmd: ScpCommand, input: ChannelReader, out: Writable, fs: PodFs, _audit: FileOpSink): Promise<number> {
  let failed = false;
  const write = async (b: Buffer): Promise<void> => {
    if (!out.write(b)) await new Promise<void>((r) => { out.once('drain', r); out.once('close', r); });
  };
  const ack = async (): Promise<void> => {
    const b = await input.byte();
    if (b === null) throw new Abort('client went away');
    if (b !== 0) {
      const msg = await input.line();
      failed = true;
      if (b === 2) throw new Abort(msg ?? '');
    }
  };
  const warn = async (msg: string): Promise<void> => { failed = true; await write(Buffer.from(`\x01scp: ${msg}\n`, 'latin1')); };

  const sendFile = async (path: string, st: FileStat): Promise<void> => {
    let reader;
    try { reader = (await fs.openRead(path)).reader; } catch (err) { await warn(`${displayPath(path)}: ${toFsError(err).message}`); return; }
    try {
      if (cmd.preserve) { await write(Buffer.from(`T${st.mtime} 0 ${st.atime} 0\n`)); await ack(); }
      await write(Buffer.from(`C${(st.mode & 0o7777).toString(8).padStart(4, '0')} ${st.size} ${base(path)}\n`, 'latin1'));
      await ack();
      let off = 0;
      let error: string | null = null;
      while (off < st.size) {
        const want = Math.min(CHUNK, st.size - off);
        let data: Buffer | null = null;
        if (error === null) {
          try { data = await reader.read(off, want); } catch (err) { error = toFsError(err).message; }
        }
        // The size was announced: a file that shrank or failed is padded, then reported.
        if (data === null || data.length === 0) { error ??= 'file shrank while reading'; data = Buffer.alloc(want); }
        await write(data);
        off += data.length;
      }
      if (error === null) { await write(Buffer.from([0])); } else { await write(Buffer.from(`\x01scp: ${displayPath(path)}: ${error}\n`, 'latin1')); failed = true; }
      await ack();
    } finally {
      reader.close();
    }
  };

  const sendTree = async (path: string, st: FileStat): Promise<void> => {
    if (cmd.preserve) { await write(Buffer.from(`T${st.mtime} 0 ${st.atime} 0\n`)); await ack(); }
    await write(Buffer.from(`D${(st.mode & 0o7777).toString(8).padStart(4, '0')} 0 ${base(path)}\n`, 'latin1'));
    await ack();
    let entries: { name: string; stat: FileStat }[] = [];
    try { entries = await fs.readdir(path); } catch (err) { await warn(`${displayPath(path)}: ${toFsError(err).message}`); }
    for (const e of entries) {
      if (e.name === '.' || e.name === '..') continue;
      const child = path.endsWith('/') ? path + e.name : `${path}/${e.name}`;
      await send(child);
    }
    await write(Buffer.from('E\n'));
    await ack();
  };

  const send = async (path: string): Promise<void> => {
    let st: FileStat;
    try { st = await fs.stat(path); } catch (err) { await warn(`${displayPath(path)}: ${toFsError(err).message}`); return; }
    const type = st.mode & 0o170000;
    if (type === 0o040000) {
      if (!cmd.recursive) { await warn(`${displayPath(path)}: not a regular file`); return; }
      await sendTree(path, st);
    } else if (type === 0o100000) {
      await sendFile(path, st);
    } else {
      await warn(`${displayPath(path)}: not a regular file`);
    }
  };

  try {
    await ack(); // the client's go-ahead
    await send(await fs.resolve(cmd.path));
  } catch (err) {
    if (!(err instanceof Abort)) throw err;
    return 1;
  }
  return failed ? 1 : 0;
}
