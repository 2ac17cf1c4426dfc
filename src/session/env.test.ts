import { describe, expect, it } from 'vitest';
import { LIMIT_DEFAULTS } from '../config/defaults.ts';
import { EnvBudget, envAllowed, withEnv } from './env.ts';

describe('env allow-list', () => {
  const allow = ['LANG', 'LC_*', 'TERM'];
  it('accepts listed names and prefixes only', () => {
    expect(envAllowed('LANG', allow)).toBe(true);
    expect(envAllowed('LC_ALL', allow)).toBe(true);
    expect(envAllowed('LD_PRELOAD', allow)).toBe(false);
    expect(envAllowed('LANGUAGE', allow)).toBe(false);
    expect(envAllowed('LC_X;rm', allow)).toBe(false);
    expect(envAllowed('', ['*'])).toBe(false);
  });
  it('prefixes argv with env NAME=VALUE as separate argv elements', () => {
    expect(withEnv({}, ['/bin/sh', '-c', 'x'])).toEqual(['/bin/sh', '-c', 'x']);
    expect(withEnv({ TERM: 'xterm', LANG: 'C; rm -rf /' }, ['sh'])).toEqual(['env', 'TERM=xterm', 'LANG=C; rm -rf /', 'sh']);
  });
});

describe('EnvBudget (limits.maxEnvPerSession, maxEnvBytesPerSession)', () => {
  it('refuses variables past the count or the byte budget', () => {
    const b = new EnvBudget(3, 24);
    expect(b.take('LC_A', '1')).toBeNull();
    expect(b.take('LC_B', '12345678')).toBeNull();
    expect(b.take('LC_C', 'x'.repeat(10))).toBe('maxEnvBytesPerSession');
    expect(b.take('LC_C', 'x')).toBeNull();
    expect(b.take('LC_D', '')).toBe('maxEnvPerSession');
  });

  it('keeps nothing from a flood of 10,000 requests beyond the default budget', () => {
    const b = new EnvBudget(LIMIT_DEFAULTS.maxEnvPerSession, LIMIT_DEFAULTS.maxEnvBytesPerSession);
    let kept = 0;
    for (let i = 0; i < 10_000; i++) if (b.take(`LC_${i}`, 'v'.repeat(1000)) === null) kept++;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(LIMIT_DEFAULTS.maxEnvBytesPerSession / 1004);
  });
});
