import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shLine, shQuote } from './shell-quote.ts';

const AWKWARD = ['plain', 'with space', "it's", 'a"b', 'line\nbreak', '-leading', '$(id) `x` ${y}', 'caf\u00c3\u00a9', '\\n', "''", '\n\n', ''];

function roundTrip(shell: string[], words: string[]): string[] {
  const script = `NL='\n'\nIFS= read -r l; eval "set -- $l"; for a in "$@"; do printf '%s\\0' "$a"; done`;
  const line = words.map(shQuote).join(' ') + '\n';
  const r = spawnSync(shell[0], [...shell.slice(1), '-c', script], { input: Buffer.from(line, 'latin1') });
  return r.stdout.toString('latin1').split('\0').slice(0, -1);
}

describe('shQuote', () => {
  for (const shell of [['sh'], ['busybox', 'sh'], ['dash']]) {
    it(`round-trips awkward arguments exactly through ${shell.join(' ')}`, () => {
      expect(roundTrip(shell, AWKWARD)).toEqual(AWKWARD);
    });
  }
  it('keeps a request on one line', () => {
    expect(shLine(['a\nb', 'c']).split('\n')).toHaveLength(2);
  });
  it('refuses NUL', () => {
    expect(() => shQuote('a\0b')).toThrow(RangeError);
  });
});
