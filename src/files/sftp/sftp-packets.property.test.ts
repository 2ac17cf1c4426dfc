/**
 * Property tests for podgate's SFTP parsing: the framer (podgate's own server), the reader
 * cursor, the scanner that watches the container sftp-server path, and the server's dispatch
 * on a fake file system. Random, truncated and oversized packets never throw anything but
 * BadMessage, never make podgate hold more than one packet's worth of bytes, and a 4 GiB length
 * field allocates nothing. FUZZ_SEED / FUZZ_RUNS replay or lengthen a run.
 */
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../test/helpers/fuzz-params.ts';
import { FsError } from '../pod-fs/fs-error.ts';
import type { PodFs } from '../pod-fs/pod-fs.ts';
import { MAX_PACKET, PKT, STATUS } from './constants.ts';
import { BadMessage, PacketFramer, PacketReader } from './packet-reader.ts';
import { serveSftp } from './sftp-server.ts';
import { PacketScanner } from './sftp-tap.ts';

const frame = (body: Buffer): Buffer => {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
};

/** Cuts `buf` at the given (sorted, de-duplicated) points. */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of [...points, buf.length]) { out.push(buf.subarray(last, p)); last = p; }
  return out;
}

const body = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a));
const cuts = fc.array(fc.nat(), { maxLength: 12 });
/** Bytes that look like SFTP: real type numbers, small and absurd lengths, strings. */
const sftpish = fc.array(fc.oneof(
  fc.constantFrom(...Object.values(PKT)).map((t) => Buffer.from([t])),
  fc.constantFrom(0, 1, 4, 5, 0x7fffffff, 0xffffffff, MAX_PACKET, MAX_PACKET + 1025).map((n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0, 0); return b; }),
  fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)),
  fc.constantFrom('/etc/passwd', '', '\u0000', 'posix-rename@openssh.com', 'statvfs@openssh.com', 'limits@openssh.com', 'expand-path@openssh.com', '~root').map((s) => { const b = Buffer.from(s, 'latin1'); const h = Buffer.alloc(4); h.writeUInt32BE(b.length, 0); return Buffer.concat([h, b]); }),
), { maxLength: 24 }).map((xs) => Buffer.concat(xs));

describe('PacketFramer (property)', () => {
  it('returns exactly the packets sent, however the stream is cut', () => {
    fc.assert(fc.property(fc.array(body, { minLength: 1, maxLength: 6 }), cuts, (bodies, cs) => {
      const f = new PacketFramer(MAX_PACKET);
      const got: Buffer[] = [];
      for (const c of split(Buffer.concat(bodies.map(frame)), cs)) got.push(...f.push(c));
      expect(got).toEqual(bodies);
    }), fuzzParams('sftp: framer round trip', 500));
  });

  it('random bytes give packets no larger than the limit, or BadMessage', () => {
    fc.assert(fc.property(sftpish, cuts, (stream, cs) => {
      const f = new PacketFramer(1024);
      try {
        for (const c of split(stream, cs)) for (const p of f.push(c)) expect(p.length).toBeLessThanOrEqual(1024 + 1024);
      } catch (err) {
        expect(err).toBeInstanceOf(BadMessage);
      }
    }), fuzzParams('sftp: framer random bytes', 1000));
  });

  it('a 4 GiB length field is refused at once without allocating', () => {
    const before = process.memoryUsage().arrayBuffers;
    const f = new PacketFramer(MAX_PACKET);
    expect(() => f.push(Buffer.from([0xff, 0xff, 0xff, 0xff, PKT.WRITE]))).toThrow(BadMessage);
    expect(() => new PacketFramer(MAX_PACKET).push(Buffer.from([0, 0, 0, 0]))).toThrow(BadMessage);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });
});

describe('PacketReader (property)', () => {
  it('any sequence of reads on any bytes yields values or BadMessage', () => {
    const op = fc.constantFrom<'u8' | 'u32' | 'u64' | 'bytes' | 'string' | 'attrs'>('u8', 'u32', 'u64', 'bytes', 'string', 'attrs');
    fc.assert(fc.property(sftpish, fc.array(op, { maxLength: 10 }), (buf, ops) => {
      const r = new PacketReader(buf);
      try {
        for (const o of ops) {
          const v = r[o]();
          if (Buffer.isBuffer(v)) expect(v.length).toBeLessThanOrEqual(buf.length);
        }
      } catch (err) {
        expect(err).toBeInstanceOf(BadMessage);
      }
    }), fuzzParams('sftp: reader random reads', 1000));
  });
});

describe('PacketScanner of the sftp-server path (property)', () => {
  it('emits the same packet heads however the stream is cut', () => {
    fc.assert(fc.property(fc.array(body, { minLength: 1, maxLength: 6 }), cuts, (bodies, cs) => {
      const whole: Buffer[] = [];
      const parts: Buffer[] = [];
      const stream = Buffer.concat(bodies.map(frame));
      new PacketScanner((p) => whole.push(Buffer.from(p)), PKT.WRITE).push(stream);
      const s = new PacketScanner((p) => parts.push(Buffer.from(p)), PKT.WRITE);
      for (const c of split(stream, cs)) s.push(c);
      expect(parts).toEqual(whole);
      expect(whole).toEqual(bodies.map((b) => b.subarray(0, b[0] === PKT.WRITE ? 1 + 4 + 4 + 256 + 8 + 4 : 70_000)));
    }), fuzzParams('sftp: scanner round trip', 500));
  });

  it('random bytes (zero lengths, 4 GiB lengths) never throw and never emit more than a head', () => {
    fc.assert(fc.property(sftpish, cuts, (stream, cs) => {
      const s = new PacketScanner((p) => { expect(p.length).toBeLessThanOrEqual(70_000); }, PKT.WRITE);
      for (const c of split(stream, cs)) s.push(c);
    }), fuzzParams('sftp: scanner random bytes', 1000));
  });

  it('a zero-length packet is skipped and the next packet still parses', () => {
    const got: Buffer[] = [];
    const s = new PacketScanner((p) => got.push(Buffer.from(p)), PKT.WRITE);
    const next = frame(Buffer.from([PKT.STAT, 0, 0, 0, 9]));
    s.push(Buffer.concat([Buffer.alloc(4), next]));
    expect(got.at(-1)).toEqual(Buffer.from([PKT.STAT, 0, 0, 0, 9]));
  });
});

/** A PodFs that fails every operation at once: the parsing is what is under test. */
function fakeFs(): PodFs {
  const fail = async (): Promise<never> => { throw new FsError(STATUS.NO_SUCH_FILE, 'No such file'); };
  return new Proxy({}, {
    get: (_t, prop) => {
      if (prop === 'resolve') return async (p: string) => `/${p}`;
      if (prop === 'close') return () => {};
      if (prop === 'then') return undefined;
      return fail;
    },
  }) as PodFs;
}

/** The config's defaults (src/config/schema.ts). */
const LIMITS = { sftpMaxHandles: 64, sftpReadAheadBytes: 262144, sftpSessionReadAheadBytes: 2097152, sftpMaxRequestsInFlight: 64, sftpMaxBytesInFlight: 4194304, sftpMaxPathBytes: 4096, sftpMaxStreams: 8, sftpMaxStreamsTotal: 256, sftpMaxBytesInFlightTotal: 33554432 };

describe('serveSftp dispatch (property)', () => {
  it('random packets get well-formed replies and never an exception out of the data handler', async () => {
    const { seed, numRuns } = fuzzParams('sftp: server dispatch', 300);
    await fc.assert(fc.asyncProperty(fc.array(fc.oneof(sftpish.filter((b) => b.length > 0), fc.array(body, { maxLength: 4 }).map((bs) => Buffer.concat(bs.map(frame)))), { maxLength: 6 }), async (chunks) => {
      const channel = new PassThrough();
      const replies = new PacketFramer(MAX_PACKET);
      const out: Buffer[] = [];
      const done = serveSftp({ channel: { on: channel.on.bind(channel), once: channel.once.bind(channel), pause: () => channel, resume: () => channel, write: (b: Buffer) => { out.push(...replies.push(b)); return true; } } as unknown as PassThrough, fs: fakeFs(), limits: LIMITS });
      for (const c of chunks) channel.emit('data', c);
      await new Promise((r) => setImmediate(r));
      channel.emit('end');
      await done;
      for (const p of out) expect([PKT.VERSION, PKT.STATUS, PKT.HANDLE, PKT.NAME, PKT.ATTRS, PKT.DATA, PKT.EXTENDED_REPLY]).toContain(p[0]);
    }), { seed, numRuns });
  });
});
