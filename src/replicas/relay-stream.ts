/**
 * A terminal carried over a relay channel, as a Duplex on both replicas: what is written goes
 * to the other side as `data` messages, what the other side sends is read. Resizes travel as
 * their own messages (`resize()` / the 'resize' event) and the holder says why an attachment
 * ended (`finish()` / the 'finished' event) before it closes. Backpressure holds end to end:
 * writes wait for the socket to drain, and a full read buffer pauses the socket.
 */
import { Duplex } from 'node:stream';
import type { SecureChannel } from './channel.ts';
import { MessageType } from './channel.ts';
import type { TerminalSize } from '../kube/types.ts';

export interface RelayEnd {
  /** 'exit' (the session ended), 'detached' (the holder detached this attachment), 'taken' (another attach took it over) … */
  reason: string;
  exitCode?: number;
  /** A line for the user, already in podgate's words. */
  message?: string;
}

function parseSize(payload: Buffer): TerminalSize | null {
  try {
    const v = JSON.parse(payload.toString('utf8')) as { cols?: unknown; rows?: unknown };
    const ok = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 10_000;
    return ok(v.cols) && ok(v.rows) ? { cols: v.cols, rows: v.rows } : null;
  } catch {
    return null;
  }
}

export class RelayStream extends Duplex {
  #finished = false;

  constructor(private readonly channel: SecureChannel) {
    super({ allowHalfOpen: false });
    channel.on('message', (type, payload) => {
      if (type === MessageType.data) {
        if (!this.push(payload)) channel.pause();
      } else if (type === MessageType.resize) {
        const size = parseSize(payload);
        if (size) this.emit('resize', size);
      } else if (type === MessageType.end) {
        let info: RelayEnd = { reason: 'exit' };
        try { info = JSON.parse(payload.toString('utf8')) as RelayEnd; } catch { /* keep the default */ }
        this.#finished = true;
        this.emit('finished', info);
        this.push(null);
      }
    });
    channel.on('close', (err) => {
      if (!this.#finished) this.emit('finished', { reason: 'lost', message: err?.message } satisfies RelayEnd);
      this.#finished = true;
      this.push(null);
      // What arrived before the close still reaches the reader; then the stream is done.
      if (this.readableEnded) this.destroy();
      else this.once('end', () => this.destroy());
    });
  }

  override _read(): void {
    this.channel.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.channel.closed) { cb(); return; }
    if (this.channel.send(MessageType.data, chunk)) cb();
    else this.channel.onDrain(() => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.channel.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.channel.destroy();
    cb(err);
  }

  /** Front side: the user's window changed. */
  resize(size: TerminalSize): void {
    this.channel.send(MessageType.resize, size);
  }

  /** Holder side: the attachment is over (sent before the connection ends). */
  finish(info: RelayEnd): void {
    if (this.#finished) return;
    this.#finished = true;
    this.channel.send(MessageType.end, info);
    this.channel.end();
  }
}
