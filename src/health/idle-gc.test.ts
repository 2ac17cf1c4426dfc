import { describe, expect, it } from 'vitest';
import { startIdleGc } from './idle-gc.ts';

describe('idle GC', () => {
  it('collects the buffers of dead objects once the process is idle after a burst', async () => {
    const freed: number[] = [];
    const idle = startIdleGc({ intervalMs: 200, sampleMs: 50, quietMs: 200, growthBytes: 16 * 1024 * 1024, maxUtilization: 0.9, onCollect: (b) => freed.push(b) });
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
    const idle = startIdleGc({ intervalMs: 100, sampleMs: 20, quietMs: 40, growthBytes: 512 * 1024 * 1024, onCollect: (b) => freed.push(b) });
    await new Promise((r) => setTimeout(r, 600));
    idle.stop();
    expect(freed).toEqual([]);
  });

  it('never collects while the process works in bursts, however short, and does once it is quiet', async () => {
    const freed: number[] = [];
    // Samples of 100 ms; quiet means 600 ms without a busy sample. Memory grows past the
    // threshold at once and stays (the buffers are kept: a collection finds them live, which
    // scavenges cannot take away), so only the bursts hold the collection back.
    const idle = startIdleGc({ intervalMs: 100, sampleMs: 100, quietMs: 600, growthBytes: 8 * 1024 * 1024, maxUtilization: 0.2, onCollect: (b) => freed.push(b) });
    const keep: Buffer[] = [];
    try {
      for (let i = 0; i < 32; i++) keep.push(Buffer.alloc(1024 * 1024, i));
      // 2 s of a relay that comes and goes: 60 ms of work in every 200 ms (30 % of each sample
      // or more), which averaged over a longer window looks almost idle.
      const until = Date.now() + 2000;
      while (Date.now() < until) {
        const spin = Date.now() + 60;
        while (Date.now() < spin) { /* busy, as a relay is */ }
        await new Promise((r) => setTimeout(r, 140));
      }
      expect(freed).toEqual([]);
      const deadline = Date.now() + 10_000;
      while (freed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(freed.length).toBe(1);
      expect(keep.length).toBe(32);
    } finally {
      idle.stop();
    }
  });
});
