import { describe, expect, it, vi } from 'vitest';
import { OutputBatcher } from './output-batcher.ts';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('OutputBatcher', () => {
  it('hands one turn\'s pieces on as one chunk, in order, and a lone piece as is', async () => {
    const got: Buffer[] = [];
    const b = new OutputBatcher((c) => got.push(c));
    b.add(Buffer.from('ab'));
    b.add(Buffer.from('cd'));
    expect(got).toEqual([]);
    await turn();
    expect(got.map(String)).toEqual(['abcd']);
    const lone = Buffer.from('x');
    b.add(lone);
    await turn();
    expect(got[1]).toBe(lone);
  });

  it('flushes at 64 KiB within a turn and on demand, reusing its slab without overwriting what it handed on', async () => {
    const got: Buffer[] = [];
    const b = new OutputBatcher((c) => got.push(c));
    for (let i = 0; i < 10; i++) b.add(Buffer.alloc(16 * 1024, i));
    expect(got.map((c) => c.length)).toEqual([64 * 1024, 64 * 1024]);
    b.flush();
    expect(got.map((c) => c.length)).toEqual([64 * 1024, 64 * 1024, 32 * 1024]);
    for (let i = 0; i < 10; i++) expect(got[Math.floor(i / 4)][(i % 4) * 16 * 1024]).toBe(i);
    expect(got[1].buffer).toBe(got[0].buffer);
    await turn();
    expect(got).toHaveLength(3);
  });

  it('lets its slab go once no batch used it for a while (an idle session holds none)', () => {
    vi.useFakeTimers();
    try {
      const got: Buffer[] = [];
      const b = new OutputBatcher((c) => got.push(c));
      const batch = (): void => {
        b.add(Buffer.alloc(1000, 1));
        b.add(Buffer.alloc(1000, 2));
        b.flush();
      };
      batch();
      vi.advanceTimersByTime(1500);
      batch();
      expect(got[1].buffer).toBe(got[0].buffer); // still busy: the same slab
      vi.advanceTimersByTime(1500);
      batch();
      expect(got[2].buffer).toBe(got[0].buffer);
      vi.advanceTimersByTime(2500); // quiet: let go
      batch();
      expect(got[3].buffer).not.toBe(got[0].buffer);
      expect([...got[0].subarray(0, 2000)].filter((v, i) => v !== (i < 1000 ? 1 : 2))).toEqual([]);
      expect(vi.getTimerCount()).toBe(1);
      b.clear();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('clear() drops what is pending', async () => {
    const got: Buffer[] = [];
    const b = new OutputBatcher((c) => got.push(c));
    b.add(Buffer.from('a'));
    b.clear();
    await turn();
    expect(got).toEqual([]);
  });
});
