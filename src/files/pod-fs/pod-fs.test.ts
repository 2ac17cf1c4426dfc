import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../testing/local-executor.ts';
import { STATUS } from '../sftp/constants.ts';
import { PodFs } from './pod-fs.ts';

const bin = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
const AWKWARD = ['with space', "quote'one", 'dq"x', 'new\nline', '-leading', 'caf\u00e9 \u65e5\u672c', '$(touch pwned)', 'trail\n'];
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

for (const busybox of [false, true]) {
  describe(`PodFs over local ${busybox ? 'busybox sh' : 'sh'}`, () => {
    let dir: string;
    let ex: LocalExecutor;
    let fs: PodFs;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'podgate-fs-'));
      ex = new LocalExecutor({ busybox, cwd: dir });
      fs = new PodFs(ex, { namespace: 'n', pod: 'p', container: 'c', identity: { user: 'u', groups: [] } });
    });
    afterAll(() => { fs.close(); ex.dispose(); rmSync(dir, { recursive: true, force: true }); });

    it('resolves relative paths in the working directory when HOME is missing', async () => {
      expect(await fs.home()).toBe(dir);
      expect(await fs.resolve('a b')).toBe(`${dir}/a b`);
    });

    it('creates, lists, stats and removes awkward names exactly', async () => {
      for (const name of AWKWARD) {
        const p = `${dir}/${bin(name)}`;
        const { writer } = await fs.openWrite(p, { append: false, creat: true, trunc: true, excl: false });
        await writer.write(0, Buffer.from(name));
        await writer.flush();
        expect(readFileSync(join(dir, name), 'utf8')).toBe(name);
      }
      expect(readFileSync.length).toBeGreaterThan(0);
      const names = (await fs.readdir(dir)).map((e) => Buffer.from(e.name, 'latin1').toString('utf8'));
      for (const name of AWKWARD) expect(names).toContain(name);
      expect(names).toContain('.');
      const st = await fs.stat(`${dir}/${bin('new\nline')}`);
      expect(st.size).toBe(Buffer.byteLength('new\nline'));
      expect(st.mode & 0o170000).toBe(0o100000);
      for (const name of AWKWARD) await fs.remove(`${dir}/${bin(name)}`);
      expect((await fs.readdir(dir)).map((e) => e.name).sort()).toEqual(['.', '..']);
    });

    it('maps errors to SFTP statuses', async () => {
      await expect(fs.stat(`${dir}/missing`)).rejects.toMatchObject({ status: STATUS.NO_SUCH_FILE });
      await expect(fs.openRead(`${dir}/missing`)).rejects.toMatchObject({ status: STATUS.NO_SUCH_FILE });
      await expect(fs.rmdir(`${dir}/missing`)).rejects.toMatchObject({ status: STATUS.NO_SUCH_FILE });
      mkdirSync(join(dir, 'd'));
      await expect(fs.remove(`${dir}/d`)).rejects.toMatchObject({ status: STATUS.FAILURE });
      await expect(fs.mkdir(`${dir}/d`)).rejects.toMatchObject({ status: STATUS.FAILURE });
      await fs.rmdir(`${dir}/d`);
    });

    it('does mkdir, rename (plain and posix), symlink, readlink, link, setstat, realpath, statvfs', async () => {
      await fs.mkdir(`${dir}/m d`, 0o750);
      expect(statSync(join(dir, 'm d')).mode & 0o777).toBe(0o750 & ~process.umask());
      writeFileSync(join(dir, 'a'), 'A');
      writeFileSync(join(dir, 'b'), 'B');
      await expect(fs.rename(`${dir}/a`, `${dir}/b`, false)).rejects.toMatchObject({ status: STATUS.FAILURE });
      await fs.rename(`${dir}/a`, `${dir}/b`, true);
      expect(readFileSync(join(dir, 'b'), 'utf8')).toBe('A');
      await fs.symlink('b', `${dir}/-l`);
      expect(await fs.readlink(`${dir}/-l`)).toBe('b');
      expect((await fs.lstat(`${dir}/-l`)).mode & 0o170000).toBe(0o120000);
      await fs.link(`${dir}/b`, `${dir}/h`);
      expect((await fs.stat(`${dir}/h`)).nlink).toBe(2);
      await fs.setstat(`${dir}/b`, { size: 5, mode: 0o600, atime: 1_000_000_000, mtime: 1_100_000_000 });
      const st = statSync(join(dir, 'b'));
      expect([st.size, st.mode & 0o777, Math.floor(st.mtimeMs / 1000)]).toEqual([5, 0o600, 1_100_000_000]);
      expect(await fs.realpath(`${dir}/m d/../-l`)).toBe(`${dir}/-l`);
      expect(await fs.realpath(`${dir}/m d/new`)).toBe(`${dir}/m d/new`);
      expect((await fs.statvfs(dir)).blocks).toBeGreaterThan(0);
    });

    it('streams a file down in one exec and serves random access', async () => {
      const data = randomBytes(3 * 1024 * 1024 + 17);
      writeFileSync(join(dir, 'big'), data);
      const before = ex.started.length;
      const { stat, reader } = await fs.openRead(`${dir}/big`);
      expect(stat.size).toBe(data.length);
      const parts: Promise<Buffer | null>[] = [];
      for (let off = 0; off < data.length + 65536; off += 32768) parts.push(reader.read(off, 32768));
      const got = await Promise.all(parts);
      expect(got[got.length - 1]).toBeNull();
      expect(sha(Buffer.concat(got.filter((b): b is Buffer => b !== null)))).toBe(sha(data));
      expect(ex.started.length - before).toBe(1);
      const mid = await reader.read(1000, 100);
      expect(mid).toEqual(data.subarray(1000, 1100));
      reader.close();
    });

    it('streams a file up in one exec, falls back for out-of-order writes and appends', async () => {
      const data = randomBytes(2 * 1024 * 1024);
      const p = `${dir}/up`;
      const { writer } = await fs.openWrite(p, { append: false, creat: true, trunc: true, excl: false });
      const before = ex.started.length;
      const writes: Promise<void>[] = [];
      for (let off = 0; off < data.length; off += 65536) writes.push(writer.write(off, data.subarray(off, off + 65536)));
      await Promise.all(writes);
      await writer.flush();
      expect(ex.started.length - before).toBe(1);
      expect(sha(readFileSync(join(dir, 'up')))).toBe(sha(data));
      const w2 = (await fs.openWrite(p, { append: false, creat: false, trunc: false, excl: false })).writer;
      await w2.write(10, Buffer.from('XYZ'));
      await w2.write(data.length + 5, Buffer.from('tail'));
      await w2.flush();
      const after = readFileSync(join(dir, 'up'));
      expect(after.subarray(10, 13).toString()).toBe('XYZ');
      expect(after.length).toBe(data.length + 9);
      expect(after.subarray(0, 10)).toEqual(data.subarray(0, 10));
      await expect(fs.openWrite(p, { append: false, creat: true, trunc: false, excl: true }))
        .rejects.toMatchObject({ status: STATUS.FAILURE });
    });

    it('moves small files inside helper requests, with no data exec, byte for byte', async () => {
      const data = randomBytes(60_000);
      const before = ex.started.length;
      const { writer } = await fs.openWrite(`${dir}/small`, { append: false, creat: true, trunc: true, excl: false });
      for (let off = 0; off < data.length; off += 32768) await writer.write(off, data.subarray(off, off + 32768));
      await writer.flush();
      expect(readFileSync(join(dir, 'small'))).toEqual(data);
      const { reader } = await fs.openRead(`${dir}/small`);
      const back = Buffer.concat([(await reader.read(0, 40_000))!, (await reader.read(40_000, 40_000))!]);
      expect(await reader.read(60_000, 10)).toBeNull();
      expect(back).toEqual(data);
      expect(ex.started.length).toBe(before);
      // The helper is still in step after binary payloads.
      expect((await fs.stat(`${dir}/small`)).size).toBe(60_000);
    });

    it('reports permission errors as PERMISSION_DENIED', async () => {
      mkdirSync(join(dir, 'ro'));
      writeFileSync(join(dir, 'ro', 'f'), 'x');
      chmodSync(join(dir, 'ro'), 0o555);
      chmodSync(join(dir, 'ro', 'f'), 0o000);
      chmodSync(dir, 0o755);
      const nobody = new LocalExecutor({ busybox, cwd: '/', uid: 65534 });
      const nfs = new PodFs(nobody, { namespace: 'n', pod: 'p', container: 'c', identity: { user: 'u', groups: [] } });
      try {
        await expect(nfs.openWrite(`${dir}/ro/new`, { append: false, creat: true, trunc: true, excl: false }))
          .rejects.toMatchObject({ status: STATUS.PERMISSION_DENIED });
        await expect(nfs.openRead(`${dir}/ro/f`)).rejects.toMatchObject({ status: STATUS.PERMISSION_DENIED });
        await expect(nfs.mkdir(`${dir}/ro/x`)).rejects.toMatchObject({ status: STATUS.PERMISSION_DENIED });
        await expect(nfs.remove(`${dir}/ro/f`)).rejects.toMatchObject({ status: STATUS.PERMISSION_DENIED });
        await expect(nfs.setstat(`${dir}/ro/f`, { mode: 0o644 })).rejects.toMatchObject({ status: STATUS.PERMISSION_DENIED });
      } finally {
        nfs.close();
        nobody.dispose();
      }
    });
  });
}
