import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FloodTail } from './flood-tail.ts';

function usedBytes(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

describe('FloodTail', () => {
  it('keeps the newest bytes in order, whole chunks dropped from the front', () => {
    const t = new FloodTail(100_000);
    const all: Buffer[] = [];
    for (let i = 0; i < 10_000; i++) {
      // Alternately chunks of their own and small slices of a big buffer (packed into the slab).
      const text = Buffer.from(`<${i}:${'x'.repeat(i % 37)}>`);
      const c = i % 2 === 0 ? Buffer.from(text) : Buffer.concat([text, Buffer.alloc(8000)]).subarray(0, text.length);
      all.push(text);
      t.push(c);
    }
    const bytes = t.bytes;
    const kept = Buffer.concat(t.take());
    expect(kept.length).toBe(bytes);
    expect(bytes).toBeGreaterThanOrEqual(100_000);
    expect(bytes).toBeLessThan(100_000 + 16 * 1024);
    expect(kept.equals(Buffer.concat(all).subarray(-bytes))).toBe(true);
    expect([t.bytes, t.take()]).toEqual([0, []]);
  });

  it('a chunk that is a small slice of a large buffer does not keep the large buffer alive', () => {
    const before = usedBytes();
    const t = new FloodTail(1024 * 1024);
    // 2,000 slices of 500 bytes, each of its own 64 KiB buffer (as socket reads are): kept as
    // they came, the tail's 1 MiB would hold 128 MiB.
    for (let i = 0; i < 2000; i++) t.push(Buffer.allocUnsafeSlow(64 * 1024).fill(i & 0xff).subarray(100, 600));
    const heldMiB = (usedBytes() - before) / 1024 / 1024;
    expect(t.bytes).toBe(1_000_000);
    expect(heldMiB).toBeLessThan(4);
    const kept = t.take();
    expect(kept.length).toBeLessThan(100); // packed into pieces of up to 16 KiB, not 2,000 small buffers
    expect(kept.at(-1)!.at(-1)).toBe(1999 & 0xff);
  });
});
