import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { SessionHandler } from '../ssh/types.ts';
import { LimitRefusals } from './limit-refusal.ts';
import { SessionCap } from './session-cap.ts';

function fake(): SessionHandler & { closed: number } {
  return { closed: 0, onEnv: () => true, onPty: () => true, onWindowChange: () => undefined, canSubsystem: () => false, onStart: () => undefined, onClose() { this.closed++; } };
}

describe('SessionCap (limits.maxSessionsPerConnection)', () => {
  it('admits up to the limit, refuses beyond, and counts a closed session out once', () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => { lines.push(JSON.parse(l) as Record<string, unknown>); } });
    const cap = new SessionCap(2, new LimitRefusals(log, { connId: 'c1' }));
    const inner = fake();
    const a = cap.admit(() => inner)!;
    expect(cap.admit(fake)).not.toBeNull();
    for (let i = 0; i < 100; i++) expect(cap.admit(fake)).toBeNull();
    // A flood of refusals is one event.
    expect(lines.filter((l) => l['code'] === 'LIMIT_REFUSED')).toEqual([expect.objectContaining({ limit: 'maxSessionsPerConnection', value: 2, connId: 'c1' })]);
    a.onClose();
    a.onClose();
    expect(inner.closed).toBe(2);
    expect(cap.open).toBe(1);
    expect(cap.admit(fake)).not.toBeNull();
    expect(cap.admit(fake)).toBeNull();
  });
});
