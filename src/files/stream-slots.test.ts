import { describe, expect, it } from 'vitest';
import { StreamLimitError, StreamSlots, type StreamHolder } from './stream-slots.ts';

/** A holder that is idle when told, and records being parked. */
function holder(idle = true): StreamHolder & { parked: number; busy: boolean } {
  const h = { parked: 0, busy: !idle, idle: () => !h.busy, park: () => { h.parked++; } };
  return h;
}

const settled = async <T>(p: Promise<T>): Promise<'pending' | T> => Promise.race([p, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);

describe('StreamSlots', () => {
  it('grants up to the session limit, then parks an idle stream of that session for a waiter', async () => {
    const slots = new StreamSlots();
    const s = slots.session({ sftpMaxStreams: 2, sftpMaxStreamsTotal: 10 });
    const a = holder();
    const b = holder(false);
    const sa = await s.acquire(a);
    await s.acquire(b);
    const third = s.acquire(holder());
    expect(await settled(third)).toBe('pending');
    expect(a.parked).toBe(1); // the idle one, not the busy one
    expect(b.parked).toBe(0);
    sa.release(); // the parked stream ended
    expect(typeof (await third).release).toBe('function');
    expect(slots.size).toBe(2);
  });

  it('waits without parking when every stream of the session is busy; a busy one that turns idle is parked', async () => {
    const slots = new StreamSlots();
    const s = slots.session({ sftpMaxStreams: 1, sftpMaxStreamsTotal: 10 });
    const a = holder(false);
    await s.acquire(a);
    const next = s.acquire(holder());
    expect(await settled(next)).toBe('pending');
    expect(a.parked).toBe(0);
    a.busy = false;
    s.kick();
    expect(a.parked).toBe(1);
  });

  it('refuses at once when the process is full and nothing anywhere is idle', async () => {
    const slots = new StreamSlots();
    const limits = { sftpMaxStreams: 2, sftpMaxStreamsTotal: 2 };
    const s1 = slots.session(limits);
    await s1.acquire(holder(false));
    await s1.acquire(holder(false));
    const s2 = slots.session(limits);
    await expect(s2.acquire(holder())).rejects.toBeInstanceOf(StreamLimitError);
    await expect(s2.acquire(holder())).rejects.toThrow(/too many file streams \(limit 2\)/);
  });

  it('parks an idle stream of another session when the process is full', async () => {
    const slots = new StreamSlots();
    const limits = { sftpMaxStreams: 2, sftpMaxStreamsTotal: 2 };
    const s1 = slots.session(limits);
    const idle = holder();
    const slotIdle = await s1.acquire(idle);
    await s1.acquire(holder(false));
    const s2 = slots.session(limits);
    const p = s2.acquire(holder());
    expect(await settled(p)).toBe('pending');
    expect(idle.parked).toBe(1);
    slotIdle.release();
    await p;
    expect(s1.count).toBe(1);
    expect(s2.count).toBe(1);
  });

  it('a waiter whose signal aborts, or whose session closes, is dropped and never granted', async () => {
    const slots = new StreamSlots();
    const s = slots.session({ sftpMaxStreams: 1, sftpMaxStreamsTotal: 10 });
    const held = await s.acquire(holder(false));
    const ac = new AbortController();
    const aborted = s.acquire(holder(), ac.signal);
    const closed = s.acquire(holder());
    ac.abort();
    await expect(aborted).rejects.toThrow(/no longer wanted/);
    s.close();
    await expect(closed).rejects.toThrow(/session closed/);
    held.release();
    expect(slots.size).toBe(0);
    await expect(s.acquire(holder())).rejects.toThrow(/session closed/);
  });

  it('a retired stream is not parked again', async () => {
    const slots = new StreamSlots();
    const s = slots.session({ sftpMaxStreams: 1, sftpMaxStreamsTotal: 10 });
    const a = holder();
    const slot = await s.acquire(a);
    slot.retire();
    const p = s.acquire(holder());
    expect(await settled(p)).toBe('pending');
    expect(a.parked).toBe(0);
    slot.release();
    await p;
  });
});
