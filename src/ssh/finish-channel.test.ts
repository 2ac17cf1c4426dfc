import { Duplex, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { finishChannel } from './finish-channel.ts';

/** A channel whose peer window opens slowly: each stdout write completes after `delayMs`. */
class SlowChannel extends Duplex {
  readonly events: string[] = [];
  readonly stderr = new Writable({
    write: (c: Buffer, _e, cb) => {
      this.events.push(`stderr:${c.toString()}`);
      setTimeout(cb, 20);
    },
  });
  constructor(private readonly delayMs: number) {
    super({ highWaterMark: 2 * 1024 * 1024 });
  }
  override _read(): void {}
  override _write(c: Buffer, _e: BufferEncoding, cb: () => void): void {
    setTimeout(() => {
      if (c.length > 0) this.events.push(`stdout:${c.length}`);
      cb();
    }, this.delayMs);
  }
  override _final(cb: () => void): void {
    this.events.push('end');
    cb();
  }
  exit(code: number): void {
    this.events.push(`exit:${code}`);
  }
}

describe('finishChannel', () => {
  it('flushes stdout below the high-water mark (no drain event), then stderr, then exit, then end', async () => {
    const ch = new SlowChannel(50);
    ch.write(Buffer.alloc(1000)); // returns true: no 'drain' will ever be emitted for it
    ch.write(Buffer.alloc(500));
    await finishChannel(ch, 7, 'podgate: bye\n');
    await new Promise((r) => setTimeout(r, 10));
    expect(ch.events).toEqual(['stdout:1000', 'stdout:500', 'stderr:podgate: bye\n', 'exit:7', 'end']);
  });

  it('only the first call decides the exit status', async () => {
    const ch = new SlowChannel(1);
    await Promise.all([finishChannel(ch, 1), finishChannel(ch, 255, 'late\n')]);
    await new Promise((r) => setTimeout(r, 10));
    expect(ch.events.filter((e) => e.startsWith('exit'))).toEqual(['exit:1']);
  });
});
