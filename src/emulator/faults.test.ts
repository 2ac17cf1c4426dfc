import { describe, expect, it } from 'vitest';
import { Faults } from './faults.ts';

describe('Faults', () => {
  it('fails exactly the next N matching requests', () => {
    const f = new Faults();
    let drop = -1;
    f.set({ failNext: { count: 2, status: 503, pathPattern: '/pods' }, dropExecAfterMs: 50 }, (ms) => { drop = ms; });
    expect(drop).toBe(50);
    expect(f.take('/api/v1/namespaces')).toBeNull();
    expect(f.take('/api/v1/pods')?.code).toBe(503);
    expect(f.take('/api/v1/pods')?.reason).toBe('ServiceUnavailable');
    expect(f.take('/api/v1/pods')).toBeNull();
  });
});
