import { describe, expect, it } from 'vitest';
import { SelectorError, matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';

const m = (sel: string, labels: Record<string, string>): boolean => matchLabels(parseLabelSelector(sel), labels);

describe('label selectors', () => {
  it('supports equality, set and existence forms', () => {
    expect(m('app=web', { app: 'web' })).toBe(true);
    expect(m('app==web', { app: 'db' })).toBe(false);
    expect(m('app!=web', {})).toBe(true);
    expect(m('app in (web, db)', { app: 'db' })).toBe(true);
    expect(m('app notin (web,db)', { app: 'db' })).toBe(false);
    expect(m('app notin (web)', {})).toBe(true);
    expect(m('tier,!canary', { tier: 'x' })).toBe(true);
    expect(m('tier,!canary', { tier: 'x', canary: '1' })).toBe(false);
    expect(m('', { a: 'b' })).toBe(true);
  });
  it('rejects malformed selectors', () => {
    expect(() => parseLabelSelector('a=b,,c')).toThrow(SelectorError);
    expect(() => parseLabelSelector('a=b c')).toThrow(SelectorError);
  });
});

describe('field selectors', () => {
  it('matches = == != on supported fields only', () => {
    const r = parseFieldSelector('status.phase!=Running,metadata.name==x', ['metadata.name', 'status.phase']);
    expect(matchFields(r, (f) => (f === 'metadata.name' ? 'x' : 'Pending'))).toBe(true);
    expect(matchFields(r, () => 'Running')).toBe(false);
    expect(() => parseFieldSelector('spec.foo=1', ['metadata.name'])).toThrow('field label not supported: spec.foo');
  });
});
