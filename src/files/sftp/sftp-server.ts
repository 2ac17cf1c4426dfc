import type { Duplex } from 'node:stream';
import type { PodFs } from '../pod-fs/pod-fs.ts';
import { toFsError } from '../pod-fs/fs-error.ts';
import { displayPath, type FileOpEvent, type FileOpSink } from '../file-op-audit.ts';
import { MAX_PACKET, PKT, STATUS } from './constants.ts';
import { BadMessage, PacketFramer, PacketReader } from './packet-reader.ts';
import { statusPacket, versionPacket } from './packet-writer.ts';
import { SftpOps } from './sftp-ops.ts';

export interface SftpServerOptions {
  /** The subsystem channel: SFTP packets in and out. */
  channel: Duplex;
  fs: PodFs;
  onFileOp?: FileOpSink;
}

export interface SftpServerResult {
  bytesIn: number;
  bytesOut: number;
}

/**
 * podgate's own SFTP v3 server: frames the channel's packets, runs each request against the
 * container's file system (requests run concurrently and are answered as they finish, as the
 * protocol allows), and respects backpressure both ways: while the channel cannot take more
 * replies, no further requests are read. Resolves when the client ends its side; the caller
 * ends the channel (OpenSSH's sftp waits for that).
 */
export function serveSftp(opts: SftpServerOptions): Promise<SftpServerResult> {
  const { channel } = opts;
  const framer = new PacketFramer(MAX_PACKET);
  let bytesIn = 0;
  let bytesOut = 0;
  let closed = false;
  let waitingDrain = false;
  const send = (bufs: Buffer | Buffer[]): void => {
    if (closed) return;
    const list = Array.isArray(bufs) ? bufs : [bufs];
    let ok = true;
    for (const b of list) { bytesOut += b.length; ok = channel.write(b); }
    if (!ok && !waitingDrain) {
      waitingDrain = true;
      channel.pause();
      channel.once('drain', () => { waitingDrain = false; if (!closed) channel.resume(); });
    }
  };
  const audit = (ev: FileOpEvent): void => { opts.onFileOp?.(ev); };
  const ops = new SftpOps(opts.fs, send, audit);

  return new Promise((resolve) => {
    const finish = (): void => {
      if (closed) return;
      closed = true;
      ops.closeAll();
      opts.fs.close();
      resolve({ bytesIn, bytesOut });
    };
    channel.on('data', (chunk: Buffer) => {
      bytesIn += chunk.length;
      let packets: Buffer[];
      try {
        packets = framer.push(chunk);
      } catch {
        finish();
        return;
      }
      for (const p of packets) dispatch(p);
    });
    channel.on('end', finish);
    channel.on('close', finish);
    channel.on('error', finish);

    const dispatch = (p: Buffer): void => {
      const type = p[0]!;
      if (type === PKT.INIT) { send(versionPacket()); return; }
      let id = 0;
      try {
        const r = new PacketReader(p, 1);
        id = r.u32();
        ops.handle(type, id, r).catch((err: unknown) => {
          const e = toFsError(err);
          send(statusPacket(id, e.status, e.message));
        });
      } catch (err) {
        send(statusPacket(id, err instanceof BadMessage ? STATUS.BAD_MESSAGE : STATUS.FAILURE, (err as Error).message));
      }
    };
  });
}

export { displayPath };
