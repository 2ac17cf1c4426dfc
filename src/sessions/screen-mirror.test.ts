import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import headless from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { ScreenMirror } from './screen-mirror.ts';

const { Terminal } = headless;
type Term = InstanceType<typeof Terminal>;

const write = (t: Term, s: string) => new Promise<void>((r) => t.write(s, r));
const rows = (t: Term): string[] => {
  const b = t.buffer.active;
  return Array.from({ length: t.rows }, (_, y) => b.getLine(b.baseY + y)!.translateToString(true));
};

async function replay(m: ScreenMirror, cols: number, rowsN: number): Promise<Term> {
  const t = new Terminal({ cols, rows: rowsN, scrollback: 20_000, allowProposedApi: true });
  await write(t, await m.snapshot());
  return t;
}

describe('ScreenMirror', () => {
  it('redraws the screen, the cursor and the colours, with the scrollback above it', async () => {
    const m = new ScreenMirror({ cols: 40, rows: 10, scrollbackLines: 1000 });
    const orig = new Terminal({ cols: 40, rows: 10, scrollback: 20_000, allowProposedApi: true });
    let out = '';
    for (let i = 0; i < 30; i++) out += `line ${i} \x1b[1;31mred\x1b[0m \x1b[38;5;120mpal\x1b[0m \x1b[48;2;1;2;3mrgb\x1b[0m\r\n`;
    out += `${'w'.repeat(100)}\r\n$ partial`;
    m.write(Buffer.from(out));
    await write(orig, out);
    const copy = await replay(m, 40, 10);
    expect(rows(copy)).toEqual(rows(orig));
    expect([copy.buffer.active.cursorX, copy.buffer.active.cursorY]).toEqual([orig.buffer.active.cursorX, orig.buffer.active.cursorY]);
    expect(copy.buffer.active.getLine(0)!.translateToString(true)).toBe('line 0 red pal rgb');
    const cell = copy.buffer.active.getLine(0)!.getCell(7)!;
    expect([cell.getChars(), cell.isBold() !== 0, cell.isFgPalette(), cell.getFgColor()]).toEqual(['r', true, true, 1]);
    const rgb = copy.buffer.active.getLine(0)!.getCell(15)!;
    expect([rgb.isBgRGB(), rgb.getBgColor()]).toEqual([true, 0x010203]);
    expect(m.scrollbackLength).toBeGreaterThanOrEqual(22);
    m.dispose();
  });

  it('keeps at most scrollbackLines lines, and `clear` (ED 3) drops them', async () => {
    const m = new ScreenMirror({ cols: 20, rows: 5, scrollbackLines: 50 });
    let out = '';
    for (let i = 0; i < 200; i++) out += `n${i}\r\n`;
    m.write(Buffer.from(out));
    const copy = await replay(m, 20, 5);
    expect(m.scrollbackLength).toBe(50);
    expect(copy.buffer.active.getLine(0)!.translateToString(true)).toBe('n146');
    m.write(Buffer.from('\x1b[H\x1b[2J\x1b[3J$ '));
    await m.snapshot();
    expect(m.scrollbackLength).toBe(0);
    m.dispose();
  });

  it('keeps exactly scrollbackLines lines across compressed blocks, wrapped lines joined', async () => {
    // 255 lines, then one that wraps over 4 rows: its first row fills a block of 256 lines and
    // its continuation rows must still join it (the block is sealed only at the next line).
    let out = '';
    for (let i = 0; i < 255; i++) out += `a${i}\r\n`;
    out += `${'W'.repeat(30)}\x1b[31m${'R'.repeat(40)}\x1b[0m\r\n`;
    for (let i = 0; i < 3000; i++) out += `b${i}\r\n`;
    out += '$ ';

    const m = new ScreenMirror({ cols: 20, rows: 5, scrollbackLines: 1000 });
    const orig = new Terminal({ cols: 20, rows: 5, scrollback: 20_000, allowProposedApi: true });
    m.write(Buffer.from(out));
    await write(orig, out);
    const copy = await replay(m, 20, 5);
    expect(rows(copy)).toEqual(rows(orig));
    expect(m.scrollbackLength).toBe(1000);
    // b2996..b2999 and the prompt are on the screen; the 1000 lines above end at b2995.
    expect(copy.buffer.active.getLine(0)!.translateToString(true)).toBe('b1996');
    m.dispose();

    const big = new ScreenMirror({ cols: 20, rows: 5, scrollbackLines: 10_000 });
    big.write(Buffer.from(out));
    expect(big.scrollbackLength).toBe(0); // nothing parsed yet
    const wide = await replay(big, 80, 5);
    expect(big.scrollbackLength).toBe(255 + 1 + 2996);
    const text = (y: number) => wide.buffer.active.getLine(y)!.translateToString(true);
    expect([text(254), text(255), text(256)]).toEqual(['a254', `${'W'.repeat(30)}${'R'.repeat(40)}`, 'b0']);
    expect(wide.buffer.active.getLine(255)!.getCell(30)!.getFgColor()).toBe(1);
    big.dispose();
  });

  it('a flood faster than parsing keeps only its tail, and the screen is rebuilt from it', async () => {
    const m = new ScreenMirror({ cols: 80, rows: 24, scrollbackLines: 10_000 });
    const orig = new Terminal({ cols: 80, rows: 24, scrollback: 10, allowProposedApi: true });
    let out = '';
    for (let i = 0; i < 60_000; i++) out += `flood line ${i} \x1b[33mwith colour\x1b[0m and some more text to fill it\r\n`;
    out += '$ ';
    const all = Buffer.from(out);
    for (let o = 0; o < all.length; o += 16_384) m.write(all.subarray(o, o + 16_384)); // no pacing: a flood
    await write(orig, out);
    const copy = await replay(m, 80, 24);
    expect(rows(copy)).toEqual(rows(orig));
    // Only the tail's lines are kept: the oldest are gone, the newest are there.
    expect(m.scrollbackLength).toBeGreaterThan(1000);
    expect(m.scrollbackLength).toBeLessThan(60_000 - 24);
    expect(copy.buffer.active.getLine(copy.buffer.active.baseY - 1)!.translateToString(true)).toBe('flood line 59976 with colour and some more text to fill it');
    // Back to normal afterwards.
    m.write(Buffer.from('echo after\r\nafter\r\n$ '));
    const again = await replay(m, 80, 24);
    expect(rows(again).slice(-3).map((l) => l.trimEnd())).toEqual(['$ echo after', 'after', '$']);
    m.dispose();
  });

  it('after a flood and its rebuild a mirror holds about 220 KiB, not the flood or a parse buffer sized to it', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const used = (): number => {
      gc();
      gc();
      const u = process.memoryUsage();
      return u.heapUsed + u.external;
    };
    let out = '';
    for (let i = 0; i < 20_000; i++) out += `line ${i}: the quick brown \x1b[1;32mfox\x1b[0m jumps over the lazy dog 0123456789\r\n`;
    const all = Buffer.from(out);
    const flood = async (): Promise<ScreenMirror> => {
      const m = new ScreenMirror({ cols: 80, rows: 24, scrollbackLines: 10_000 });
      // 64 KiB writes without pacing: the mirror keeps a 1 MiB tail and rebuilds from it.
      for (let o = 0; o < all.length; o += 65_536) m.write(Buffer.from(all.subarray(o, o + 65_536)));
      await m.snapshot();
      return m;
    };
    (await flood()).dispose(); // first-use costs (compiled code) are not a session's
    const before = used();
    const mirrors: ScreenMirror[] = [];
    for (let i = 0; i < 8; i++) mirrors.push(await flood());
    const perMirrorKiB = (used() - before) / 1024 / mirrors.length;
    expect(mirrors[0].scrollbackLength).toBeGreaterThan(5000);
    // Measured 222 KiB (fed in 16 KiB pieces: 266). Written to xterm.js as they came (64 KiB
    // writes, the 1 MiB tail in one), its parse buffer grew to 512 KiB: 654 KiB; the tail as
    // 64 KiB writes: 438 KiB.
    expect(perMirrorKiB, `${perMirrorKiB.toFixed(0)} KiB`).toBeLessThan(300);
    for (const m of mirrors) m.dispose();
  });

  it('an alternate screen (a full-screen program) comes back as it was', async () => {
    const m = new ScreenMirror({ cols: 30, rows: 6, scrollbackLines: 100 });
    const orig = new Terminal({ cols: 30, rows: 6, scrollback: 100, allowProposedApi: true });
    const out = 'shell line\r\n$ top\r\n\x1b[?1049h\x1b[H\x1b[2JTOP header\r\n  PID USER\r\n    1 root';
    m.write(Buffer.from(out));
    await write(orig, out);
    const copy = await replay(m, 30, 6);
    expect(copy.buffer.active.type).toBe('alternate');
    expect(rows(copy)).toEqual(rows(orig));
    m.dispose();
  });
});
