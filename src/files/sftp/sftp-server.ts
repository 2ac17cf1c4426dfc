import type { Duplex } from 'node:stream';
import type { PodFs } from '../pod-fs/pod-fs.ts';
import { toFsError } from '../pod-fs/fs-error.ts';
import type { FileOpEvent, FileOpSink } from '../file-op-audit.ts';
import { MAX_PACKET, MAX_RW, PKT, STATUS } from './constants.ts';
import { BadMessage, PacketFramer, PacketReader } from './packet-reader.ts';
import { statusPacket, versionPacket } from './packet-writer.ts';
import { SftpOps } from './sftp-ops.ts';
import { InFlightPool, type RefusalSink, type SftpLimits } from './sftp-limits.ts';

export interface SftpServerOptions {
  /** The subsystem channel: SFTP packets in and out. */
  channel: Duplex;
  fs: PodFs;
  onFileOp?: FileOpSink;
  limits: SftpLimits;
  /** Told of every request a limit refused. */
  onRefused?: RefusalSink;
  /** Aborted when the session is gone: a paused channel may emit neither 'end' nor 'close'. */
  closed?: AbortSignal;
  /** The process's SFTP bytes in flight, shared by every session (default: this session's own). */
  pool?: InFlightPool;
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
 *
 * Memory stays bounded: at most `sftpMaxRequestsInFlight` requests are served at once, holding
 * at most `sftpMaxBytesInFlight` bytes (their packets plus the data each READ asks for); past
 * either, the channel is paused (ssh2 then stops opening the client's window) and the packets
 * already framed wait in order.
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
      channel.once('drain', () => { waitingDrain = false; drainHeld(); });
    }
  };
  const audit = (ev: FileOpEvent): void => { opts.onFileOp?.(ev); };
  const { limits } = opts;
  const refuse: RefusalSink = (limit, value) => { opts.onRefused?.(limit, value); };
  const ops = new SftpOps(opts.fs, send, audit, limits, refuse);
  let inFlight = 0;
  let bytesInFlight = 0;
  const held: Buffer[] = [];
  const pool = opts.pool ?? new InFlightPool();
  let poolWait = false;
  // While the client does not read its replies, no new request starts. One request at a time
  // is always served; more only within the session's limits and the process's pool.
  const room = (p: Buffer): boolean => {
    if (waitingDrain) return false;
    if (inFlight === 0) return true;
    const cost = requestCost(p);
    if (inFlight >= limits.sftpMaxRequestsInFlight || bytesInFlight + cost > limits.sftpMaxBytesInFlight) return false;
    if (pool.fits(cost, limits.sftpMaxBytesInFlightTotal)) return true;
    poolWait = true;
    return false;
  };
  /** Starts the held requests there is room for; pauses the channel while any must wait. */
  let drainHeld = (): void => undefined;

  return new Promise((resolve) => {
    const finish = (): void => {
      if (closed) return;
      closed = true;
      pool.cancel(drainHeld);
      held.length = 0;
      ops.closeAll();
      opts.fs.close();
      resolve({ bytesIn, bytesOut });
    };
    drainHeld = () => {
      poolWait = false;
      while (held.length > 0 && !closed && room(held[0])) dispatch(held.shift()!);
      // Blocked by the other sessions' requests only: try again when one of theirs finishes.
      if (poolWait && !closed) pool.wait(drainHeld);
      if (held.length > 0 || waitingDrain) channel.pause();
      else if (!closed) channel.resume();
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
      for (const p of packets) held.push(p);
      drainHeld();
    });
    channel.on('end', finish);
    channel.on('close', finish);
    channel.on('error', finish);
    if (opts.closed?.aborted) finish();
    opts.closed?.addEventListener('abort', finish, { once: true });

    function dispatch(p: Buffer): void {
      const type = p[0];
      if (type === PKT.INIT) { send(versionPacket()); return; }
      let id = 0;
      try {
        const r = new PacketReader(p, 1);
        id = r.u32();
        const c = requestCost(p);
        inFlight++;
        bytesInFlight += c;
        pool.take(c);
        ops.handle(type, id, r).catch((err: unknown) => {
          const e = toFsError(err);
          send(statusPacket(id, e.status, e.message));
        }).finally(() => {
          inFlight--;
          bytesInFlight -= c;
          pool.give(c);
          drainHeld();
        });
      } catch (err) {
        send(statusPacket(id, err instanceof BadMessage ? STATUS.BAD_MESSAGE : STATUS.FAILURE, (err as Error).message));
      }
    }
  });
}

/** Bytes a request holds while served: its packet, plus the data a READ asks for. */
function requestCost(p: Buffer): number {
  if (p[0] !== PKT.READ || p.length < 9) return p.length;
  const handleLen = p.readUInt32BE(5);
  return p.length === 21 + handleLen ? p.length + Math.min(p.readUInt32BE(p.length - 4), MAX_RW) : p.length;
}
