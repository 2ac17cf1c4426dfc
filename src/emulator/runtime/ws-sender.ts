/**
 * Sends frames on a WebSocket with backpressure: counts bytes handed to `ws` that the socket has
 * not written yet, asks the producers to pause above a high-water mark and to resume once it
 * drains below the low-water mark. After the socket is gone, frames are dropped (the process's
 * output is drained into nothing, as the shim does once nobody is attached).
 */
import type { WebSocket } from 'ws';
import { encodeFrame, type Codec } from './ws-protocols.ts';

const HIGH = 1024 * 1024;
const LOW = 256 * 1024;

export class WsSender {
  private pending = 0;
  private paused = false;
  private readonly producers = new Set<{ pause(): void; resume(): void }>();

  constructor(
    private readonly ws: WebSocket,
    private readonly codec: Codec,
  ) {}

  addProducer(p: { pause(): void; resume(): void }): void {
    this.producers.add(p);
    if (this.paused) p.pause();
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  send(channel: number, data: Buffer, done?: () => void): void {
    if (!this.open) {
      done?.();
      return;
    }
    const frame = encodeFrame(this.codec, channel, data);
    const size = frame.length;
    this.pending += size;
    this.ws.send(frame, { binary: typeof frame !== 'string' }, () => {
      this.pending -= size;
      if (this.paused && this.pending < LOW) this.setPaused(false);
      done?.();
    });
    if (!this.paused && this.pending > HIGH) this.setPaused(true);
  }

  /** The socket closed: nothing will drain any more, let producers run free. */
  release(): void {
    this.pending = 0;
    this.setPaused(false);
  }

  private setPaused(p: boolean): void {
    this.paused = p;
    for (const prod of this.producers) {
      if (p) prod.pause();
      else prod.resume();
    }
  }
}
