import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { addressSet } from './address-set.ts';
import { createPenalties, type PenaltyConfig } from './penalties.ts';
import { createPreauthGate } from './preauth-gate.ts';
import { createPreauthTracker } from './preauth-tracker.ts';

const cfg: PenaltyConfig = { authfail: 5, noauth: 1, graceExceeded: 10, crash: 90, min: 15, max: 600, maxSources: 100 };
const limits = { maxUnauthenticated: 10, maxUnauthenticatedPerSource: 10, maxQueued: 10, maxQueuedPerSource: 10 };

function setup(): { tracker: ReturnType<typeof createPreauthTracker>; penalties: ReturnType<typeof createPenalties>; gate: ReturnType<typeof createPreauthGate> } {
  const log = pino({ level: 'silent' });
  const penalties = createPenalties(cfg, addressSet([]));
  const gate = createPreauthGate(limits, penalties, log);
  return { tracker: createPreauthTracker(60, gate, penalties, log), penalties, gate };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('pre-authentication tracker', () => {
  it('never penalises an address for what an authenticated connection did (one NAT, many users)', async () => {
    const { tracker, penalties, gate } = setup();
    for (let i = 0; i < 5; i++) {
      const c = tracker.enter({ connId: `c${i}`, source: '10.1.1.1', kind: 'tcp', start: () => undefined, destroy: () => undefined });
      c.authenticated();
      c.crashed(); // a protocol error long after login
      c.closed();
    }
    await tick();
    expect(penalties.refusedFor('10.1.1.1')).toBe(0);
    expect(penalties.size()).toBe(0);
    expect(gate.counts()).toEqual({ running: 0, queued: 0 });
  });

  it('penalises a protocol error before authentication, and frees the slot', async () => {
    const { tracker, penalties, gate } = setup();
    const c = tracker.enter({ connId: 'x', source: '10.1.1.2', kind: 'tcp', start: () => undefined, destroy: () => undefined });
    expect(gate.counts().running).toBe(1);
    c.crashed();
    c.closed();
    await tick();
    expect(penalties.refusedFor('10.1.1.2')).toBe(90);
    expect(gate.counts()).toEqual({ running: 0, queued: 0 });
  });
});
