import { describe, expect, it } from 'vitest';
import type { FileOpEvent } from '../file-op-audit.ts';
import { PKT, STATUS } from './constants.ts';
import { PacketFramer, PacketReader } from './packet-reader.ts';
import { handlePacket, PacketBuilder, statusPacket } from './packet-writer.ts';
import { SftpTap } from './sftp-tap.ts';

const req = (type: number, id: number, fill: (p: PacketBuilder) => void): Buffer => {
  const p = new PacketBuilder(type, id);
  fill(p);
  return p.done();
};

/** Feeds `buf` in awkward pieces (1, 2, 3… bytes) as a socket might. */
function dribble(buf: Buffer, push: (b: Buffer) => void): void {
  let off = 0;
  for (let n = 1; off < buf.length; n = (n % 7) + 1) { push(buf.subarray(off, off + n)); off += n; }
}

describe('PacketFramer', () => {
  it('reassembles packets split anywhere and rejects absurd lengths', () => {
    const a = req(PKT.STAT, 7, (p) => p.string('/a b'));
    const b = req(PKT.WRITE, 8, (p) => p.string('h').u64(5).bytes(Buffer.alloc(70_000, 1)));
    const f = new PacketFramer(256 * 1024);
    const got: Buffer[] = [];
    dribble(Buffer.concat([a, b]), (c) => got.push(...f.push(c)));
    expect(got.map((p) => p[0])).toEqual([PKT.STAT, PKT.WRITE]);
    const r = new PacketReader(got[0], 1);
    expect([r.u32(), r.string()]).toEqual([7, '/a b']);
    expect(() => new PacketFramer(1024).push(Buffer.from([0xff, 0, 0, 0, 1]))).toThrow();
  });
});

describe('SftpTap', () => {
  it('turns a watched conversation into FILE_OP events, counting written bytes', () => {
    const events: FileOpEvent[] = [];
    const tap = new SftpTap((e) => events.push(e));
    // As in a real conversation, the client writes only once the HANDLE reply arrived.
    dribble(req(PKT.OPEN, 1, (p) => p.string('up.bin').u32(0x1a).u32(0)), (c) => tap.client.push(c));
    dribble(handlePacket(1, Buffer.from('H1')), (c) => tap.server.push(c));
    const client = Buffer.concat([
      req(PKT.WRITE, 2, (p) => p.string('H1').u64(0).bytes(Buffer.alloc(100_000))),
      req(PKT.WRITE, 3, (p) => p.string('H1').u64(100_000).bytes(Buffer.alloc(5))),
      req(PKT.CLOSE, 4, (p) => p.string('H1')),
      req(PKT.MKDIR, 5, (p) => p.string('caf\u00c3\u00a9').u32(0)),
      req(PKT.EXTENDED, 6, (p) => p.string('posix-rename@openssh.com').string('a').string('b')),
      req(PKT.STAT, 7, (p) => p.string('x')),
    ]);
    dribble(client, (c) => tap.client.push(c));
    const server = Buffer.concat([
      statusPacket(2, STATUS.OK, ''), statusPacket(3, STATUS.OK, ''),
      statusPacket(4, STATUS.OK, ''), statusPacket(5, STATUS.PERMISSION_DENIED, 'denied'), statusPacket(6, STATUS.OK, ''),
      statusPacket(7, STATUS.NO_SUCH_FILE, ''),
    ]);
    dribble(server, (c) => tap.server.push(c));
    expect(events).toEqual([
      { op: 'write', path: 'up.bin', size: 100_005, result: 'ok' },
      { op: 'mkdir', path: 'caf\u00e9', result: 'Permission denied' },
      { op: 'rename', path: 'a', target: 'b', result: 'ok' },
    ]);
  });
});

describe('SftpTap request ids (issue #13: audit falsified by reused ids)', () => {
  const feed = (tap: SftpTap, side: 'client' | 'server', ...bufs: Buffer[]): void => { dribble(Buffer.concat(bufs), (c) => tap[side].push(c)); };

  it('flags a request that reuses an outstanding id, and audits the first one by its own reply', () => {
    const events: FileOpEvent[] = [];
    const tap = new SftpTap((e) => events.push(e));
    // A harmless STAT answered "No such file" must not be taken for the REMOVE's outcome.
    feed(tap, 'client', req(PKT.REMOVE, 9, (p) => p.string('/etc/important')));
    expect(tap.violation).toBeNull();
    feed(tap, 'client', req(PKT.STAT, 9, (p) => p.string('/nonexistent')));
    expect(tap.violation).toMatchObject({ reason: 'request id reused', requestId: 9 });
    feed(tap, 'server', statusPacket(9, STATUS.OK, ''));
    expect(events).toEqual([{ op: 'remove', path: '/etc/important', result: 'ok' }]);
    // Nothing the client sends after the violation is audited or tracked.
    feed(tap, 'client', req(PKT.MKDIR, 10, (p) => p.string('/later').u32(0)));
    feed(tap, 'server', statusPacket(10, STATUS.OK, ''));
    expect(events).toHaveLength(1);
  });

  it('flags a changing request that reuses the id of a pending read-only one', () => {
    const events: FileOpEvent[] = [];
    const tap = new SftpTap((e) => events.push(e));
    feed(tap, 'client', req(PKT.STAT, 5, (p) => p.string('/nonexistent')), req(PKT.REMOVE, 5, (p) => p.string('/x')));
    expect(tap.violation?.requestId).toBe(5);
    feed(tap, 'server', statusPacket(5, STATUS.NO_SUCH_FILE, ''));
    expect(events).toEqual([]);
  });

  it('allows an id again once its reply was seen', () => {
    const events: FileOpEvent[] = [];
    const tap = new SftpTap((e) => events.push(e));
    for (let i = 0; i < 3; i++) {
      feed(tap, 'client', req(PKT.MKDIR, 1, (p) => p.string(`/d${i}`).u32(0)));
      feed(tap, 'server', statusPacket(1, STATUS.OK, ''));
    }
    expect(tap.violation).toBeNull();
    expect(events.map((e) => e.path)).toEqual(['/d0', '/d1', '/d2']);
  });
});

describe('SftpTap.answered', () => {
  it('is true only once INIT and every request passed on before a violation have their answers', () => {
    const tap = new SftpTap(() => undefined);
    expect(tap.answered).toBe(true);
    const init = Buffer.alloc(9);
    init.writeUInt32BE(5, 0); init[4] = PKT.INIT; init.writeUInt32BE(3, 5);
    tap.client.push(Buffer.concat([init, req(PKT.STAT, 7, (p) => p.string('/x')), req(PKT.REMOVE, 7, (p) => p.string('/y'))]));
    expect(tap.violation).toMatchObject({ reason: 'request id reused', requestId: 7 });
    expect(tap.answered).toBe(false);
    const version = Buffer.alloc(9);
    version.writeUInt32BE(5, 0); version[4] = PKT.VERSION; version.writeUInt32BE(3, 5);
    tap.server.push(version);
    expect(tap.answered).toBe(false); // the STAT is still unanswered
    tap.server.push(statusPacket(7, STATUS.NO_SUCH_FILE, 'No such file'));
    expect(tap.answered).toBe(true);
  });
});
