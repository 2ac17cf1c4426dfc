import { describe, expect, it } from 'vitest';
import type { ResolvedTarget } from '../target/resolve.ts';
import { ResolveCache } from './resolve-cache.ts';

const target = { namespace: 'prod', pod: 'db-0', container: 'db' } as ResolvedTarget;

describe('ResolveCache', () => {
  it('shares one resolution among concurrent callers', async () => {
    const cache = new ResolveCache(60_000);
    let calls = 0;
    const resolve = async () => { calls++; return target; };
    const all = await Promise.all(Array.from({ length: 50 }, () => cache.get('c1 db-0.prod', resolve)));
    expect(all.every((t) => t === target)).toBe(true);
    expect(calls).toBe(1);
  });
  it('does not keep failures', async () => {
    const cache = new ResolveCache(60_000);
    let calls = 0;
    const failing = () => { calls++; return Promise.reject(new Error('forbidden')); };
    await expect(cache.get('k', failing)).rejects.toThrow('forbidden');
    await expect(cache.get('k', failing)).rejects.toThrow('forbidden');
    expect(calls).toBe(2);
    expect(cache.size).toBe(0);
  });
  it('expires entries', async () => {
    const cache = new ResolveCache(20);
    await cache.get('k', async () => target);
    expect(cache.size).toBe(1);
    for (let i = 0; i < 100 && cache.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(cache.size).toBe(0);
  });
});
