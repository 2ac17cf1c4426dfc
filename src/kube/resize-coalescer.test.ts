import { afterEach, describe, expect, it, vi } from 'vitest';
import { ResizeCoalescer } from './resize-coalescer.ts';
import type { TerminalSize } from './types.ts';

afterEach(() => { vi.useRealTimers(); });

describe('ResizeCoalescer', () => {
  it('sends the first size at once, then at most one per interval, always the latest', () => {
    vi.useFakeTimers();
    const sent: TerminalSize[] = [];
    const c = new ResizeCoalescer((s) => sent.push(s), 50);
    c.push({ cols: 80, rows: 24 });
    for (let i = 0; i < 10_000; i++) c.push({ cols: 100 + (i % 50), rows: 30 });
    c.push({ cols: 123, rows: 45 });
    expect(sent).toEqual([{ cols: 80, rows: 24 }]);
    vi.advanceTimersByTime(50);
    expect(sent).toEqual([{ cols: 80, rows: 24 }, { cols: 123, rows: 45 }]);
  });

  it('skips a size equal to the one last sent, and stop() drops what is pending', () => {
    vi.useFakeTimers();
    const sent: TerminalSize[] = [];
    const c = new ResizeCoalescer((s) => sent.push(s), 50);
    c.push({ cols: 80, rows: 24 });
    vi.advanceTimersByTime(100);
    c.push({ cols: 80, rows: 24 });
    expect(sent).toEqual([{ cols: 80, rows: 24 }]);
    c.push({ cols: 90, rows: 24 });
    c.push({ cols: 91, rows: 24 });
    c.stop();
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([{ cols: 80, rows: 24 }, { cols: 90, rows: 24 }]);
  });
});
