import { describe, expect, it } from 'vitest';
import { selectorToString } from './label-selector.ts';

describe('selectorToString', () => {
  it('renders matchLabels and every matchExpressions operator', () => {
    expect(selectorToString({
      matchLabels: { app: 'web', tier: 'front' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'canary'] },
        { key: 'track', operator: 'NotIn', values: ['beta'] },
        { key: 'owner', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    })).toBe('app=web,tier=front,env in (canary,prod),track notin (beta),owner,!legacy');
  });

  it('gives an empty string for an empty selector and null for an unknown operator', () => {
    expect(selectorToString({})).toBe('');
    expect(selectorToString({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })).toBeNull();
  });

  it('reads own keys only: prototype names are plain keys or unknown operators', () => {
    expect(selectorToString(JSON.parse('{"matchLabels":{"__proto__":"x","app":"web"}}') as never)).toBe('__proto__=x,app=web');
    for (const operator of ['constructor', 'toString', '__proto__']) {
      expect(selectorToString({ matchExpressions: [{ key: 'a', operator, values: ['1'] }] })).toBeNull();
    }
  });
});
