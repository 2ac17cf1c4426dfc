import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { PodFs } from '../pod-fs/pod-fs.ts';
import { PKT } from './constants.ts';
import { PacketBuilder } from './packet-writer.ts';
import { InFlightPool } from './sftp-limits.ts';
import { serveSftp } from './sftp-server.ts';

const KiB = 1024;
const LIMITS = {
  sftpMaxHandles: 64, sftpReadAheadBytes: 256 * KiB, sftpSessionReadAheadBytes: 2048 * KiB, sftpMaxRequestsInFlight: 1000,
  sftpMaxBytesInFlight: 256 * KiB, sftpMaxPathBytes: 4096, sftpMaxStreams: 8, sftpMaxStreamsTotal: 256, sftpMaxBytesInFlightTotal: 256 * KiB,
};

/** A file system whose STATs wait until `release()`; counts the STATs it was asked. */
function slowFs(): { fs: PodFs; asked: () => number; release: () => void } {
  let asked = 0;
  const waiting: (() => void)[] = [];
  const fs = {
    resolve: async (p: string) => p,
    stat: () => { asked++; return new Promise((r) => { waiting.push(() => r({ size: 0, uid: 0, gid: 0, mode: 0o100644, atime: 0, mtime: 0 })); }); },
    close: () => undefined,
  } as unknown as PodFs;
  return { fs, asked: () => asked, release: () => { for (const w of waiting.splice(0)) w(); } };
}

/** A session over a fake channel: `send` delivers client bytes, replies are dropped. */
function session(pool: InFlightPool): { send: (b: Buffer) => void; end: () => void; fs: ReturnType<typeof slowFs> } {
  const ev = new EventEmitter();
  const channel = Object.assign(ev, { pause: () => channel, resume: () => channel, write: () => true }) as unknown as Duplex;
  const fs = slowFs();
  void serveSftp({ channel, fs: fs.fs, limits: LIMITS, pool });
  return { send: (b) => { ev.emit('data', b); }, end: () => { ev.emit('end'); }, fs };
}

const stat = (id: number): Buffer => new PacketBuilder(PKT.STAT, id).string(`/${'p'.repeat(4000)}`).done();
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('serveSftp: the process-wide pool of bytes in flight', () => {
  it('holds a session back while others fill the pool, with one request always served, and lets it on when they finish', async () => {
    const pool = new InFlightPool();
    const a = session(pool);
    const b = session(pool);
    a.send(Buffer.concat(Array.from({ length: 100 }, (_, i) => stat(i + 1))));
    await tick();
    const aFirst = a.fs.asked();
    expect(aFirst).toBeGreaterThan(1);
    expect(aFirst * 4 * KiB).toBeLessThanOrEqual(LIMITS.sftpMaxBytesInFlightTotal + 4 * KiB);
    b.send(Buffer.concat(Array.from({ length: 10 }, (_, i) => stat(i + 1))));
    await tick();
    expect(b.fs.asked()).toBe(1); // the pool is full: only the one request a session always gets
    a.fs.release();
    await tick();
    expect(b.fs.asked()).toBe(10);
    expect(pool.used).toBeLessThanOrEqual(LIMITS.sftpMaxBytesInFlightTotal + 4 * KiB);
    a.fs.release();
    b.fs.release();
    await tick();
    a.fs.release();
    b.fs.release();
    a.end();
    b.end();
    await tick();
    expect(pool.used).toBe(0);
  });
});
