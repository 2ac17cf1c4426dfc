import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CastWriter } from './cast-writer.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'podgate-cast-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const lines = (path: string): unknown[] => readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);

describe('CastWriter', () => {
  it('keeps UTF-8 characters split across chunks whole, byte for byte', async () => {
    const path = join(tempDir(), 'a.cast');
    let t = 0;
    const w = new CastWriter({ path, header: { version: 2, width: 80, height: 24 }, now: () => t });
    const text = 'é€😀'.repeat(1000) + '\x1b[0m\r\n';
    const bytes = Buffer.from(text);
    // Every chunk boundary lands inside a character somewhere: chunks of 1..7 bytes.
    for (let i = 0, n = 1; i < bytes.length; i += n, n = (n % 7) + 1) {
      t += 1;
      w.output(bytes.subarray(i, i + n));
    }
    const stats = await w.close();
    const [header, ...events] = lines(path) as [Record<string, unknown>, ...[number, string, string][]];
    expect(header).toEqual({ version: 2, width: 80, height: 24 });
    expect(events.every((e) => e[1] === 'o' && !e[2].includes('\uFFFD'))).toBe(true);
    expect(Buffer.from(events.map((e) => e[2]).join(''))).toEqual(bytes);
    expect(stats.events).toBe(events.length);
    expect(stats.bytes).toBe(statSync(path).size);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('records resizes and input with their times; bytes that are not UTF-8 become U+FFFD', async () => {
    const path = join(tempDir(), 'b.cast');
    let t = 0;
    const w = new CastWriter({ path, header: { version: 2, width: 80, height: 24 }, now: () => t });
    t = 250;
    w.resize(132, 41);
    t = 1500;
    w.input(Buffer.from('ls\r'));
    w.output(Buffer.from([0x61, 0xff, 0x62, 0xe2, 0x82]));
    await w.close();
    expect(lines(path).slice(1)).toEqual([[0.25, 'r', '132x41'], [1.5, 'i', 'ls\r'], [1.5, 'o', 'a\uFFFDb'], [1.5, 'o', '\uFFFD']]);
  });

  it('never overwrites a file or follows a symlink', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'victim'), 'keep');
    symlinkSync(join(dir, 'victim'), join(dir, 'link.cast'));
    const errors: Error[] = [];
    const w = new CastWriter({ path: join(dir, 'link.cast'), header: { version: 2 }, onError: (e) => errors.push(e) });
    w.output(Buffer.from('x'));
    await w.close();
    expect(errors).toHaveLength(1);
    expect(readFileSync(join(dir, 'victim'), 'utf8')).toBe('keep');
  });

  it('drops events instead of buffering without bound while the file is not writable yet', async () => {
    const path = join(tempDir(), 'c.cast');
    let open!: () => void;
    const drops: number[] = [];
    const w = new CastWriter({ path, header: { version: 2 }, ready: new Promise((r) => { open = r; }), maxPendingBytes: 10_000, onDrop: (n) => drops.push(n) });
    for (let i = 0; i < 100; i++) w.output(Buffer.alloc(1000, 0x61));
    expect(drops).toHaveLength(1);
    expect(drops[0]).toBeLessThanOrEqual(10_000);
    open();
    const stats = await w.close();
    expect(stats.droppedEvents).toBeGreaterThan(80);
    expect(stats.events + stats.droppedEvents).toBe(100);
    expect(lines(path)).toHaveLength(1 + stats.events);
  });

  it('writes within a second without being closed (what a crash leaves behind)', async () => {
    const path = join(tempDir(), 'd.cast');
    const w = new CastWriter({ path, header: { version: 2 } });
    w.output(Buffer.from('hello'));
    await new Promise((r) => setTimeout(r, 1600));
    expect(lines(path)).toEqual([{ version: 2 }, [expect.any(Number), 'o', 'hello']]);
    await w.close();
  });
});
