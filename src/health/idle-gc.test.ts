import { describe, expect, it } from 'vitest';
import { startIdleGc } from './idle-gc.ts';

describe('idle GC', () => {
  it('collects the buffers of dead objects once the process is idle after a burst', async () => {
    const freed: number[] = [];
    const idle = startIdleGc({ intervalMs: 200, growthBytes: 16 * 1024 * 1024, maxUtilization: 0.9, onCollect: (b) => freed.push(b) });
    try {
      // A burst: 64 MiB of buffers held by objects that die at once (old enough to survive
      // scavenges, as a relay's in-flight data does), then nothing allocates.
      let keep: { b: Buffer }[] = [];
      for (let i = 0; i < 64; i++) keep.push({ b: Buffer.alloc(1024 * 1024, i) });
      await new Promise((r) => setTimeout(r, 50));
      const before = process.memoryUsage().external;
      expect(keep.length).toBe(64);
      keep = [];
      const deadline = Date.now() + 10_000;
      while (!freed.some((b) => b > 48 * 1024 * 1024) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(Math.max(...freed)).toBeGreaterThan(48 * 1024 * 1024);
      expect(process.memoryUsage().external).toBeLessThan(before - 48 * 1024 * 1024);
    } finally {
      idle.stop();
    }
  });

  it('does nothing while nothing grew', async () => {
    const freed: number[] = [];
    const idle = startIdleGc({ intervalMs: 100, growthBytes: 512 * 1024 * 1024, onCollect: (b) => freed.push(b) });
    await new Promise((r) => setTimeout(r, 600));
    idle.stop();
    expect(freed).toEqual([]);
  });
});
