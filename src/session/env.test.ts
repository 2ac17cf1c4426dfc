import { describe, expect, it } from 'vitest';
import { envAllowed, withEnv } from './env.ts';

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
