import { describe, expect, it } from 'vitest';
import { formatRfc3339Nano, rfc3339NanoNow } from './rfc3339nano.ts';

describe('formatRfc3339Nano', () => {
  it('prints nanoseconds and trims trailing zeros as Go does', () => {
    const t = BigInt(Date.UTC(2016, 9, 6, 0, 17, 9)) * 1_000_000n;
    expect(formatRfc3339Nano(t + 669_794_202n)).toBe('2016-10-06T00:17:09.669794202Z');
    expect(formatRfc3339Nano(t + 500_000_000n)).toBe('2016-10-06T00:17:09.5Z');
    expect(formatRfc3339Nano(t)).toBe('2016-10-06T00:17:09Z');
  });
  it('tracks the wall clock', () => {
    const parsed = Date.parse(rfc3339NanoNow());
    expect(Math.abs(parsed - Date.now())).toBeLessThan(5_000);
  });
});
