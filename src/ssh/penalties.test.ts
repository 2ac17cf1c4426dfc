import { describe, expect, it } from 'vitest';
import { addressSet } from './address-set.ts';
import { createPenalties, type PenaltyConfig } from './penalties.ts';

const cfg: PenaltyConfig = { authfail: 5, noauth: 1, graceExceeded: 10, crash: 90, min: 15, max: 600, maxSources: 3 };

function clock(): { now: () => number; advance(s: number): void } {
  let t = 1_000_000;
  return { now: () => t, advance: (s) => { t += s * 1000; } };
}

describe('per-source penalties', () => {
  it('refuse only once the accrued time reaches min, then until it runs out', () => {
    const c = clock();
    const p = createPenalties(cfg, addressSet([]), c.now);
    expect(p.add('10.0.0.1', 'authfail')).toEqual({ seconds: 5, active: false });
    expect(p.refusedFor('10.0.0.1')).toBe(0);
    p.add('10.0.0.1', 'authfail');
    expect(p.add('10.0.0.1', 'authfail')).toEqual({ seconds: 15, active: true });
    expect(p.refusedFor('10.0.0.1')).toBe(15);
    c.advance(10);
    expect(p.refusedFor('10.0.0.1')).toBe(5); // still enforced below min once reached
    c.advance(6);
    expect(p.refusedFor('10.0.0.1')).toBe(0);
    expect(p.size()).toBe(0);
  });

  it('grow with repeat offences up to max', () => {
    const p = createPenalties(cfg, addressSet([]), clock().now);
    for (let i = 0; i < 10; i++) p.add('10.0.0.2', 'crash');
    expect(p.refusedFor('10.0.0.2')).toBe(600);
  });

  it('expire unenforced penalties (a single failure is forgotten)', () => {
    const c = clock();
    const p = createPenalties(cfg, addressSet([]), c.now);
    p.add('10.0.0.3', 'noauth');
    c.advance(2);
    expect(p.add('10.0.0.3', 'noauth')).toEqual({ seconds: 1, active: false });
  });

  it('skip exempt sources and stay bounded when the table is full', () => {
    const c = clock();
    const p = createPenalties(cfg, addressSet(['192.0.2.0/24']), c.now);
    expect(p.add('192.0.2.9', 'crash').skipped).toBe('exempt');
    for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) p.add(a, 'authfail');
    expect(p.add('10.0.0.4', 'crash').skipped).toBe('table-full');
    expect(p.refusedFor('10.0.0.4')).toBe(0);
    expect(p.size()).toBe(3);
    c.advance(6); // the three expire and are swept to make room
    expect(p.add('10.0.0.4', 'crash')).toEqual({ seconds: 90, active: true });
    expect(p.size()).toBe(1);
  });

  it('normalise IPv4-mapped addresses for exemptions', () => {
    const p = createPenalties(cfg, addressSet(['127.0.0.0/8']), clock().now);
    expect(p.add('::ffff:127.0.0.5', 'crash').skipped).toBe('exempt');
  });
});
