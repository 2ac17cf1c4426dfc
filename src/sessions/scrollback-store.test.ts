import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ScrollbackStore } from './scrollback-store.ts';

const benchLine = (i: number): string => `line ${String(i).padStart(5, '0')}: the quick brown \x1b[0;1;32mfox\x1b[0m jumps over the lazy dog 0123456789`;

describe('ScrollbackStore', () => {
  it('holds exactly the newest max lines across sealed blocks', () => {
    const s = new ScrollbackStore(1000);
    for (let i = 0; i < 5000; i++) {
      s.push(`n${i}`);
      if (i % 397 === 0) expect(s.length).toBe(Math.min(i + 1, 1000));
    }
    expect(s.length).toBe(1000);
    expect(s.lines()).toEqual(Array.from({ length: 1000 }, (_, i) => `n${4000 + i}`));
  });

  it('keeps any character in a line: newlines, commas, wide and combining characters', () => {
    const s = new ScrollbackStore(600);
    const odd = ['', 'a\nb', '1,2,3', '\u{1F600} wide', 'e\u0301', '\r\x1b[0;31mred\x1b[0m', ',\n,'];
    const want: string[] = [];
    for (let i = 0; i < 700; i++) {
      const l = `${odd[i % odd.length]}${i}`;
      want.push(l);
      s.push(l);
    }
    expect(s.lines()).toEqual(want.slice(-600));
  });

  it('grows the newest line even when its block is full, and seals it only at the next line', () => {
    const s = new ScrollbackStore(10_000);
    for (let i = 0; i < 256; i++) s.push(`l${i}`);
    expect(s.extendLast('+more', 100)).toBe(true);
    expect(s.extendLast('x'.repeat(100), 100)).toBe(false); // over the limit: the caller pushes it
    s.push('next');
    expect(s.extendLast('+tail', 100)).toBe(true);
    const lines = s.lines();
    expect(lines.slice(-2)).toEqual(['l255+more', 'next+tail']);
    expect(lines.length).toBe(257);
  });

  it('clear empties it; max 0 holds nothing; nothing to extend when empty', () => {
    const s = new ScrollbackStore(300);
    for (let i = 0; i < 900; i++) s.push(`x${i}`);
    s.clear();
    expect([s.length, s.lines()]).toEqual([0, []]);
    expect(s.extendLast('a', 10)).toBe(false);
    s.push('again');
    expect(s.lines()).toEqual(['again']);
    const none = new ScrollbackStore(0);
    none.push('a');
    expect([none.length, none.lines()]).toEqual([0, []]);
  });

  it('holds 10,000 lines of coloured text in well under 300 KiB', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const used = (): number => {
      gc();
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.external;
    };
    const count = 10;
    const before = used();
    const stores: ScrollbackStore[] = [];
    for (let k = 0; k < count; k++) {
      const s = new ScrollbackStore(10_000);
      for (let i = 0; i < 10_500; i++) s.push(benchLine(i));
      stores.push(s);
    }
    const perStoreKiB = (used() - before) / 1024 / count;
    expect(stores[0].length).toBe(10_000);
    // Measured about 40 KiB (strings alone: 10,000 x ~95 bytes = 930 KiB).
    expect(perStoreKiB).toBeLessThan(150);
  });
});
