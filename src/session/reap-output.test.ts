import { describe, expect, it } from 'vitest';
import { parseReapOutput } from './reap-output.ts';

describe('parseReapOutput', () => {
  it('reads found processes, outcome and survivors', () => {
    const r = parseReapOutput('F 12 sh -c sleep 1000 & exit \nF 13 sleep 1000 \nO kill\nL 0\n');
    expect(r.found).toEqual([{ pid: 12, args: 'sh -c sleep 1000 & exit' }, { pid: 13, args: 'sleep 1000' }]);
    expect(r.outcome).toBe('kill');
    expect(r.left).toBe(0);
    expect(r.marker).toBe('found');
  });

  it('reports a missing marker and a refused id', () => {
    expect(parseReapOutput('M missing\nO none\nL 0\n')).toMatchObject({ marker: 'missing', outcome: 'none', found: [] });
    expect(parseReapOutput('E bad-session-id\n')).toMatchObject({ error: 'bad-session-id', outcome: null });
  });

  it('treats a cut-off run as no outcome and ignores garbage', () => {
    const r = parseReapOutput('F 7 cat\nF x y\nO maybe\nL -1\n');
    expect(r.found).toEqual([{ pid: 7, args: 'cat' }]);
    expect(r.outcome).toBeNull();
    expect(r.left).toBe(0);
  });
});
