import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { addressSet } from './address-set.ts';
import { createPenalties } from './penalties.ts';
import { createPreauthGate, PREEMPT_MIN_AGE_MS, type Contender } from './preauth-gate.ts';

const log = pino({ level: 'silent' });
const limits = { maxUnauthenticated: 4, maxUnauthenticatedPerSource: 2, maxQueued: 8, maxQueuedPerSource: 3 };
const noPenalties = () => createPenalties({ authfail: 5, noauth: 1, graceExceeded: 10, crash: 90, min: 15, max: 600, maxSources: 100 }, addressSet([]));

interface Probe extends Contender { state: string }
let n = 0;
const probe = (source: string): Probe => {
  const p: Probe = { connId: `c${++n}`, source, state: 'new', start: () => { p.state = 'started'; }, close: (r) => { p.state = r; } };
  return p;
};

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

describe('pre-auth gate', () => {
  it('queues the excess per source instead of refusing, and starts it in order as slots free', () => {
    const g = createPreauthGate(limits, noPenalties(), log);
    const a = [probe('10.0.0.1'), probe('10.0.0.1'), probe('10.0.0.1'), probe('10.0.0.1')];
    a.forEach((c) => g.admit(c));
    expect(a.map((c) => c.state)).toEqual(['started', 'started', 'new', 'new']);
    expect(g.counts()).toEqual({ running: 2, queued: 2 });
    g.release(a[0]);
    expect(a[2].state).toBe('started');
    g.release(a[3]); // gave up while queued: no slot taken
    expect(g.counts()).toEqual({ running: 2, queued: 0 });
  });

  it('serves queued sources in turn and refuses beyond the per-source queue (audited reason)', () => {
    const g = createPreauthGate({ ...limits, maxUnauthenticatedPerSource: 4 }, noPenalties(), log);
    const x = Array.from({ length: 4 }, () => probe('10.0.0.1'));
    x.forEach((c) => g.admit(c)); // all four slots
    const qa = Array.from({ length: 4 }, () => probe('10.0.0.2'));
    qa.forEach((c) => g.admit(c));
    expect(qa[3].state).toBe('queue-full-per-source');
    const qb = probe('10.0.0.3');
    g.admit(qb);
    expect(qb.state).toBe('new');
    g.release(x[0]);
    g.release(x[1]);
    expect([qa[0].state, qb.state, qa[1].state]).toEqual(['started', 'started', 'new']);
  });

  it('lets a newcomer pre-empt the oldest handshake of the heaviest source once it is old enough', () => {
    const g = createPreauthGate(limits, noPenalties(), log);
    const heavy = [probe('10.0.0.1'), probe('10.0.0.1'), probe('10.0.0.2'), probe('10.0.0.2')];
    heavy.forEach((c) => g.admit(c));
    const fresh = probe('10.0.0.9');
    g.admit(fresh);
    expect(fresh.state).toBe('new'); // the holders are younger than the minimum age: it waits
    vi.advanceTimersByTime(PREEMPT_MIN_AGE_MS + 600);
    expect(fresh.state).toBe('started');
    expect(heavy[0].state).toBe('unauthenticated-preempted');
    const next = probe('10.0.0.8');
    g.admit(next); // 10.0.0.2 now holds the most
    expect(next.state).toBe('started');
    expect(heavy[2].state).toBe('unauthenticated-preempted');
    const third = probe('10.0.0.7');
    g.admit(third); // everyone holds one, the newcomer none: the oldest old-enough handshake goes
    expect(third.state).toBe('started');
    expect(heavy[1].state).toBe('unauthenticated-preempted');
    const fourth = probe('10.0.0.7');
    g.admit(fourth); // its source already holds one, as many as anyone: it waits
    expect(fourth.state).toBe('new');
  });

  it('drops at random from half full and refuses at full', () => {
    let r = 0.99;
    const g = createPreauthGate({ maxUnauthenticated: 1, maxUnauthenticatedPerSource: 1, maxQueued: 4, maxQueuedPerSource: 10 }, noPenalties(), log, () => r);
    g.admit(probe('10.0.0.1'));
    const q = Array.from({ length: 4 }, () => probe('10.0.0.1'));
    q.forEach((c) => g.admit(c));
    expect(q.map((c) => c.state)).toEqual(['new', 'new', 'new', 'new']);
    expect(g.counts().queued).toBe(4);
    const over = probe('10.0.0.1');
    g.admit(over);
    expect(over.state).toBe('queue-full');
    const g2 = createPreauthGate({ maxUnauthenticated: 1, maxUnauthenticatedPerSource: 1, maxQueued: 4, maxQueuedPerSource: 10 }, noPenalties(), log, () => r);
    g2.admit(probe('10.0.0.1'));
    g2.admit(probe('10.0.0.1'));
    g2.admit(probe('10.0.0.1'));
    r = 0.1;
    const dropped = probe('10.0.0.1');
    g2.admit(dropped);
    expect(dropped.state).toBe('random-early-drop');
  });

  it('refuses a penalised source at the door, also when it reaches the head of the queue', () => {
    const pen = noPenalties();
    const g = createPreauthGate(limits, pen, log);
    const a = [probe('10.0.0.1'), probe('10.0.0.1'), probe('10.0.0.1')];
    a.forEach((c) => g.admit(c));
    for (let i = 0; i < 3; i++) pen.add('10.0.0.1', 'authfail');
    g.release(a[0]);
    expect(a[2].state).toBe('penalty');
    const later = probe('10.0.0.1');
    g.admit(later);
    expect(later.state).toBe('penalty');
  });
});
