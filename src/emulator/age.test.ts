import { describe, expect, it } from 'vitest';
import { humanDuration } from './age.ts';

describe('humanDuration', () => {
  it('formats like kubectl AGE', () => {
    expect(humanDuration(5_000)).toBe('5s');
    expect(humanDuration(119_000)).toBe('119s');
    expect(humanDuration(150_000)).toBe('2m30s');
    expect(humanDuration(600_000)).toBe('10m');
    expect(humanDuration(4 * 3600_000 + 60_000)).toBe('4h1m');
    expect(humanDuration(30 * 3600_000)).toBe('30h');
    expect(humanDuration(3 * 86400_000)).toBe('3d');
    expect(humanDuration(-5_000)).toBe('<invalid>');
  });
});
