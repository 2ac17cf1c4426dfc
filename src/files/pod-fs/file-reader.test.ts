import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ExecSession } from '../../kube/types.ts';
import { ReadAheadBudget } from '../sftp/sftp-limits.ts';
import { FileReader } from './file-reader.ts';

/** An endless stream of zeros, as `cat /dev/zero` gives, in 64 KiB chunks. */
function zeroExec(): ExecSession {
  const chunk = Buffer.alloc(64 * 1024);
  const stdout = new Readable({ read() { this.push(chunk); } });
  return { stdin: new PassThrough(), stdout, stderr: new PassThrough(), resize: () => undefined, done: new Promise(() => undefined), abort: () => { stdout.destroy(); } };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

describe('FileReader read-ahead budget (sftpReadAheadBytes, sftpSessionReadAheadBytes)', () => {
  it('reads ahead at most its own cap, and all readers of a session at most their shared budget', async () => {
    const budget = new ReadAheadBudget(1024 * 1024);
    const readers = Array.from({ length: 20 }, () => new FileReader(() => Promise.resolve(zeroExec()), { bytes: 256 * 1024, budget }));
    // One small READ each starts every stream; then they read ahead.
    await Promise.all(readers.map((r) => r.read(0, 1024)));
    await settle();
    for (const r of readers) expect(r.buffered).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
    // Over the session budget, a reader stops at the chunk that crossed it.
    expect(budget.used).toBeLessThanOrEqual(budget.max + 20 * 64 * 1024);
    expect(readers.reduce((n, r) => n + r.buffered, 0)).toBe(budget.used);
    // A request still gets its data when the budget is spent.
    const far = await readers[19].read(1024, 200 * 1024);
    expect(far?.length).toBe(200 * 1024);
    // Closing gives every buffered byte back.
    for (const r of readers) r.close();
    expect(budget.used).toBe(0);
  });
});
