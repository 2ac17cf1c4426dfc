import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { enforceRetention, startRetention } from './retention.ts';

const DAY = 86_400;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function recordingsDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'podgate-retention-'));
  dirs.push(d);
  return d;
}

/** Writes `<id>.cast` of `bytes` bytes last written `ageDays` ago. */
function cast(dir: string, id: string, bytes: number, ageDays: number): string {
  const path = join(dir, `${id}.cast`);
  writeFileSync(path, Buffer.alloc(bytes, 0x61));
  const t = Date.now() / 1000 - ageDays * DAY;
  utimesSync(path, t, t);
  return path;
}

function capture(): { logger: pino.Logger; events: Record<string, unknown>[] } {
  const events: Record<string, unknown>[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => { events.push(JSON.parse(line) as Record<string, unknown>); } });
  return { logger, events };
}

const id = (n: number) => n.toString(16).padStart(16, '0');

describe('recordings retention', () => {
  it('deletes recordings older than maxAgeDays, then the oldest while over maxBytes, never one in use', async () => {
    const dir = recordingsDir();
    const old = cast(dir, id(1), 100, 40);
    const oldInUse = cast(dir, id(2), 100, 41);
    const a = cast(dir, id(3), 4000, 3);
    const b = cast(dir, id(4), 4000, 2);
    const c = cast(dir, id(5), 4000, 1);
    const d = cast(dir, id(6), 4000, 0);
    // Not podgate's: other names, a directory, a symlink-looking name with a dot.
    writeFileSync(join(dir, 'notes.cast'), 'x');
    writeFileSync(join(dir, `${id(7)}.cast.bak`), 'x');
    mkdirSync(join(dir, `${id(8)}.cast`));
    const t = Date.now() / 1000 - 90 * DAY;
    utimesSync(join(dir, 'notes.cast'), t, t);
    const { logger, events } = capture();
    await enforceRetention({ dir, input: false, maxAgeDays: 30, maxBytes: 10_000 }, new Set([oldInUse, a]), logger);
    // 16,100 bytes are left after the age rule; the two in use stay although they are the
    // oldest, so b (12,100 left) and c (8,100 left) go, and d stays.
    expect(existsSync(old)).toBe(false);
    expect(existsSync(oldInUse)).toBe(true);
    expect(existsSync(a)).toBe(true);
    expect(existsSync(b)).toBe(false);
    expect(existsSync(c)).toBe(false);
    expect(existsSync(d)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([`${id(2)}.cast`, `${id(3)}.cast`, `${id(6)}.cast`, `${id(7)}.cast.bak`, `${id(8)}.cast`, 'notes.cast'].sort());
    const deleted = events.filter((e) => e['code'] === 'RECORDING_DELETED');
    expect(deleted).toEqual([
      expect.objectContaining({ path: old, bytes: 100, reason: 'max-age', ageDays: 40 }),
      expect.objectContaining({ path: b, bytes: 4000, reason: 'max-bytes' }),
      expect.objectContaining({ path: c, bytes: 4000, reason: 'max-bytes' }),
    ]);
  });

  it('does nothing with both rules off or without a directory, and reports a directory it cannot read', async () => {
    const dir = recordingsDir();
    const kept = cast(dir, id(1), 100, 400);
    const { logger, events } = capture();
    await enforceRetention({ dir, input: false, maxAgeDays: 0, maxBytes: 0 }, new Set(), logger);
    await enforceRetention({ input: false, maxAgeDays: 1, maxBytes: 1 }, new Set(), logger);
    await enforceRetention({ dir: join(dir, 'absent'), input: false, maxAgeDays: 1, maxBytes: 1 }, new Set(), logger);
    expect(existsSync(kept)).toBe(true);
    expect(events).toEqual([]);
    await enforceRetention({ dir: kept, input: false, maxAgeDays: 1, maxBytes: 0 }, new Set(), logger);
    expect(events).toEqual([expect.objectContaining({ code: 'RECORDING_RETENTION_FAILED', path: kept })]);
  });

  it('runs at start and again periodically with the config of the moment', async () => {
    const dir = recordingsDir();
    const first = cast(dir, id(1), 10, 10);
    let maxAgeDays = 30;
    const { logger } = capture();
    const r = startRetention({ config: () => ({ dir, input: false, maxAgeDays, maxBytes: 0 }), inUse: () => new Set(), logger, intervalMs: 50 });
    try {
      await r.first;
      expect(existsSync(first)).toBe(true);
      maxAgeDays = 5;
      for (let i = 0; i < 100 && existsSync(first); i++) await new Promise((res) => setTimeout(res, 20));
      expect(existsSync(first)).toBe(false);
    } finally {
      r.stop();
    }
  });
});
