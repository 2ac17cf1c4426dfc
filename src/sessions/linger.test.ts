import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LingerPool, type LingerEntry } from './linger.ts';

const target = { cluster: 'default', namespace: 'ns', pod: 'web', container: 'c' };

function entry(sessionId: string, reaped: string[], user = 'alice', t = target): LingerEntry {
  return { sessionId, user, target: t, reap: (why) => { reaped.push(`${sessionId}:${why}`); return Promise.resolve(); } };
}

describe('LingerPool', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });
  const log = pino({ level: 'silent' });

  it('reaps what lingers when the grace runs out, not before', () => {
    const reaped: string[] = [];
    const p = new LingerPool(log);
    p.linger(entry('s1', reaped), 10);
    vi.advanceTimersByTime(9_900);
    expect(reaped).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(reaped).toEqual(['s1:detach-expired']);
  });

  it('the same user\'s next connection to that container adopts it until it closes; then a full grace again', () => {
    const reaped: string[] = [];
    const p = new LingerPool(log);
    p.linger(entry('s1', reaped), 10);
    p.linger(entry('other-user', reaped, 'bob'), 10);
    p.linger(entry('other-pod', reaped, 'alice', { ...target, pod: 'db' }), 10);
    vi.advanceTimersByTime(5_000);
    p.adopt('alice', target, 'conn-2', 's2');
    vi.advanceTimersByTime(60_000);
    expect(reaped.sort()).toEqual(['other-pod:detach-expired', 'other-user:detach-expired']);
    p.release('conn-other');
    vi.advanceTimersByTime(60_000);
    expect(reaped).not.toContain('s1:detach-expired');
    p.release('conn-2');
    vi.advanceTimersByTime(9_000);
    expect(reaped).not.toContain('s1:detach-expired');
    vi.advanceTimersByTime(2_000);
    expect(reaped).toContain('s1:detach-expired');
  });

  it('shutdown reaps everything held, adopted or not, and whatever lingers afterwards at once', async () => {
    const reaped: string[] = [];
    const p = new LingerPool(log);
    p.linger(entry('s1', reaped), 10);
    p.linger(entry('s2', reaped), 10);
    p.adopt('alice', target, 'conn-9', 's3');
    await p.reapAll();
    expect(reaped.sort()).toEqual(['s1:shutdown', 's2:shutdown']);
    p.linger(entry('late', reaped), 10);
    expect(reaped).toContain('late:shutdown');
    vi.advanceTimersByTime(60_000);
    expect(reaped).toHaveLength(3);
  });

  it('hands lingering processes over to another replica without reaping them (only the owner\'s, only while lingering); the observer hears it', () => {
    const reaped: string[] = [];
    const heard: string[] = [];
    const p = new LingerPool(log);
    p.observe({ lingering: (e, g) => heard.push(`linger:${e.sessionId}:${g}`), settled: (id) => heard.push(`settled:${id}`) });
    p.linger(entry('s1', reaped), 10);
    p.linger(entry('s2', reaped), 10);
    expect(p.handOver('s1', 'bob')).toBeNull();
    expect(p.handOver('s1', 'alice')).toMatchObject({ entry: { sessionId: 's1' }, graceSeconds: 10 });
    expect(p.handOver('s1', 'alice')).toBeNull();
    // Adopted here: no longer lingering, so not handed over.
    p.adopt('alice', target, 'conn-1', 'new');
    expect(p.handOver('s2', 'alice')).toBeNull();
    vi.advanceTimersByTime(20_000);
    expect(reaped).toEqual([]);
    expect(heard).toEqual(['linger:s1:10', 'linger:s2:10', 'settled:s1', 'settled:s2']);
  });

  it('holds processes handed over for a connection, then lingers them when it closes (or at once without one)', () => {
    const reaped: string[] = [];
    const p = new LingerPool(log);
    p.hold(entry('h1', reaped), 'conn-2', 5);
    p.hold(entry('h2', reaped), null, 5);
    vi.advanceTimersByTime(6_000);
    expect(reaped).toEqual(['h2:detach-expired']);
    p.release('conn-2');
    vi.advanceTimersByTime(4_900);
    expect(reaped).toEqual(['h2:detach-expired']);
    vi.advanceTimersByTime(200);
    expect(reaped).toEqual(['h2:detach-expired', 'h1:detach-expired']);
  });
});
