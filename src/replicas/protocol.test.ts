import { describe, expect, it } from 'vitest';
import { parseRequest } from './protocol.ts';

const req = (v: unknown): ReturnType<typeof parseRequest> => parseRequest(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));
const ok = { op: 'attach', user: 'alice', id: 'Ab12cd', cols: 80, rows: 24, from: '10.0.0.1:7022' };

describe('relay requests, field by field', () => {
  it('accepts attach, watch and resume with every field valid', () => {
    for (const op of ['attach', 'watch', 'resume']) expect(req({ ...ok, op })).toEqual({ ...ok, op });
  });

  it('refuses an unknown op, a bad user or id, sizes out of range, and what is not a JSON object', () => {
    expect(req({ ...ok, op: 'detach' })).toBeNull();
    expect(req({ ...ok, user: 'Alice' })).toBeNull();
    expect(req({ ...ok, user: 42 })).toBeNull();
    expect(req({ ...ok, id: '../x' })).toBeNull();
    expect(req({ ...ok, id: 'x'.repeat(65) })).toBeNull();
    expect(req({ ...ok, cols: 0 })).toBeNull();
    expect(req({ ...ok, rows: 10_001 })).toBeNull();
    expect(req({ ...ok, cols: 1.5 })).toBeNull();
    expect(req('null')).toBeNull();
    expect(req('[1]')).toBeNull();
    expect(req('{')).toBeNull();
  });

  it('adopt: user, id and from only (a terminal size makes it malformed)', () => {
    expect(req({ op: 'adopt', user: 'alice', id: 'Ab12cd', from: 'x:1' })).toEqual({ op: 'adopt', user: 'alice', id: 'Ab12cd', from: 'x:1' });
    expect(req({ op: 'adopt', user: 'alice', id: 'Ab12cd', cols: 80, rows: 24, from: '' })).toBeNull();
    expect(req({ op: 'adopt', user: 'alice', id: '' })).toBeNull();
    expect(req({ op: 'adopt', id: 'Ab12cd' })).toBeNull();
  });

  it('a missing or oversized `from` is only an empty audit field', () => {
    expect(req({ ...ok, from: 'x'.repeat(301) })).toMatchObject({ from: '' });
    const { from: _f, ...rest } = ok;
    expect(req(rest)).toMatchObject({ from: '' });
  });
});
