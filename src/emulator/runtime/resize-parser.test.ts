import { describe, expect, it } from 'vitest';
import { ResizeParser } from './resize-parser.ts';

describe('ResizeParser', () => {
  it('ignores key case (kubectl and client-node shapes)', () => {
    const p = new ResizeParser();
    expect(p.push('{"Width":80,"Height":24}\n')).toEqual([{ width: 80, height: 24 }]);
    expect(p.push('{"height":50,"width":132}')).toEqual([{ width: 132, height: 50 }]);
  });
  it('handles objects split across and concatenated within frames', () => {
    const p = new ResizeParser();
    expect(p.push('{"Width":1')).toEqual([]);
    expect(p.push('00,"Height":30}{"width":7,"HEIGHT":8}')).toEqual([
      { width: 100, height: 30 },
      { width: 7, height: 8 },
    ]);
  });
  it('skips malformed objects and keeps going', () => {
    const p = new ResizeParser();
    expect(p.push('{"Width":"x"}{nope}{"Width":10,"Height":5}')).toEqual([
      { width: 0, height: 0 },
      { width: 10, height: 5 },
    ]);
  });
});
