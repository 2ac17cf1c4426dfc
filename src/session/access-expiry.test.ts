import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UserConfig } from '../config/types.ts';
import { AccessExpiry } from './access-expiry.ts';
import { ActiveSessions, type ActiveSession } from './active-sessions.ts';

const user = (name: string, expires?: string) => ({ name, ...(expires ? { expires } : {}) }) as UserConfig;

function fakeSession(connId: string, ended: string[]): ActiveSession {
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => { done = r; });
  return { sessionId: connId, userName: 'alice', connId, notify: () => undefined, finished, terminate: (reason, message) => { ended.push(`${connId} ${reason} ${message ?? ''}`); done(); } };
}

describe('AccessExpiry', () => {
  beforeEach(() => { vi.useFakeTimers(); vi.setSystemTime(new Date('2026-01-01T00:00:00Z')); });
  afterEach(() => { vi.useRealTimers(); });

  it('ends a login\'s sessions (its nested ones too) at its expiry, then closes it', async () => {
    const active = new ActiveSessions();
    const ended: string[] = [];
    for (const id of ['c1', 'c1-j1', 'c2']) active.add(fakeSession(id, ended));
    const expiry = new AccessExpiry(new Map([['alice', user('alice', '2026-01-01T00:00:05Z')]]), active, pino({ level: 'silent' }), 1000);
    const end = vi.fn();
    expiry.watch('c1', 'alice', undefined, { end, tunnel: () => undefined });
    await vi.advanceTimersByTimeAsync(4_000);
    expect(ended).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ended).toEqual(['c1 access-expired access for alice expired at 2026-01-01T00:00:05Z', 'c1-j1 access-expired access for alice expired at 2026-01-01T00:00:05Z']);
    expect(end).toHaveBeenCalledOnce();
  });

  it('reaches an expiry beyond setTimeout\'s longest delay, and the certificate\'s end when it is earlier', async () => {
    const active = new ActiveSessions();
    const ended: string[] = [];
    active.add(fakeSession('c1', ended));
    active.add(fakeSession('c2', ended));
    const expiry = new AccessExpiry(new Map([['alice', user('alice', '2026-03-01T00:00:00Z')]]), active, pino({ level: 'silent' }), 1000);
    expiry.watch('c1', 'alice', undefined, { end: () => undefined, tunnel: () => undefined });
    expiry.watch('c2', 'alice', Date.parse('2026-01-01T01:00:00Z'), { end: () => undefined, tunnel: () => undefined });
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(ended).toEqual(['c2 access-expired access for alice expired at 2026-01-01T01:00:00.000Z']);
    await vi.advanceTimersByTimeAsync(Date.parse('2026-03-01T00:00:00Z') - Date.now() - 1);
    expect(ended).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(ended[1]).toBe('c1 access-expired access for alice expired at 2026-03-01T00:00:00Z');
  });

  it('a reload re-arms: a later expiry lets sessions run, one in the past ends them at once, unwatch stops it', async () => {
    const active = new ActiveSessions();
    const ended: string[] = [];
    active.add(fakeSession('c1', ended));
    active.add(fakeSession('c2', ended));
    const expiry = new AccessExpiry(new Map([['alice', user('alice', '2026-01-01T00:00:05Z')]]), active, pino({ level: 'silent' }), 1000);
    expiry.watch('c1', 'alice', undefined, { end: () => undefined, tunnel: () => undefined });
    const unwatch = expiry.watch('c2', 'alice', undefined, { end: () => undefined, tunnel: () => undefined });
    unwatch();
    expiry.reload(new Map([['alice', user('alice', '2026-01-01T00:01:00Z')]]));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ended).toEqual([]);
    expiry.reload(new Map([['alice', user('alice', '2025-12-31T00:00:00Z')]]));
    await vi.advanceTimersByTimeAsync(0);
    expect(ended).toEqual(['c1 access-expired access for alice expired at 2025-12-31T00:00:00Z']);
  });
});
