import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from './label-selector.ts';

describe('parseLabelSelector', () => {
  const labels = { app: 'web', tier: 'front', env: 'prod' };
  it('matches equality, inequality, existence and sets', () => {
    expect(parseLabelSelector('app=web')(labels)).toBe(true);
    expect(parseLabelSelector('app==web,tier=front')(labels)).toBe(true);
    expect(parseLabelSelector('app!=web')(labels)).toBe(false);
    expect(parseLabelSelector('app, !debug')(labels)).toBe(true);
    expect(parseLabelSelector('!app')(labels)).toBe(false);
    expect(parseLabelSelector('env in (prod, staging),tier notin (back)')(labels)).toBe(true);
    expect(parseLabelSelector('env in (dev)')(labels)).toBe(false);
    expect(parseLabelSelector('missing notin (x)')(labels)).toBe(true);
    expect(parseLabelSelector('')(undefined)).toBe(true);
    expect(parseLabelSelector('app=web')(undefined)).toBe(false);
  });
  it('rejects garbage', () => {
    expect(() => parseLabelSelector('a in b')).toThrow(/invalid label selector/);
  });
  it('sees only own labels: prototype names never match', () => {
    const none: Record<string, string> = {};
    expect(parseLabelSelector('constructor')(none)).toBe(false);
    expect(parseLabelSelector('__proto__')(none)).toBe(false);
    expect(parseLabelSelector('!toString')(none)).toBe(true);
    expect(parseLabelSelector('hasOwnProperty notin (x)')(none)).toBe(true);
    expect(parseLabelSelector('constructor in (x)')(none)).toBe(false);
    expect(parseLabelSelector('constructor=x')({ constructor: 'x' })).toBe(true);
  });
});
