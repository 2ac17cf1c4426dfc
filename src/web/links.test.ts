import { describe, expect, it } from 'vitest';
import { PodgateError } from '../errors/index.ts';
import { LinkStore } from './links.ts';

const req = { user: 'alice', target: 'web-7d9f', command: null };

describe('LinkStore', () => {
  it('a link works once, within its TTL; later uses say why not', () => {
    let t = 1_000_000;
    const store = new LinkStore({ ttlSeconds: 60, maxPendingPerUser: 5, now: () => t });
    const { token, grant, expiresInSeconds } = store.issue(req);
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(expiresInSeconds).toBe(60);
    expect(store.redeem(token)).toEqual({ ok: true, grant });
    expect(store.redeem(token)).toEqual({ ok: false, reason: 'used-link', grant });
    const late = store.issue(req);
    t += 60_000;
    expect(store.redeem(late.token)).toMatchObject({ ok: false, reason: 'expired-link' });
    expect(store.redeem('A'.repeat(22))).toEqual({ ok: false, reason: 'unknown-link' });
    expect(store.redeem('not a token')).toEqual({ ok: false, reason: 'unknown-link' });
  });

  it('tokens are 128-bit random and distinct; the grant carries no token', () => {
    const store = new LinkStore({ ttlSeconds: 60, maxPendingPerUser: 1000 });
    const tokens = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const { token, grant } = store.issue(req);
      tokens.add(token);
      expect(JSON.stringify(grant)).not.toContain(token);
      expect(Buffer.from(token, 'base64url').length).toBe(16);
    }
    expect(tokens.size).toBe(500);
  });

  it('bounds the unopened links per user; opened and expired ones free the room', () => {
    let t = 0;
    const store = new LinkStore({ ttlSeconds: 10, maxPendingPerUser: 2, now: () => t });
    const a = store.issue(req);
    store.issue(req);
    expect(() => store.issue(req)).toThrow(PodgateError);
    expect(store.issue({ ...req, user: 'bob' }).token).toBeTruthy();
    store.redeem(a.token);
    store.issue(req);
    expect(() => store.issue(req)).toThrow(/2 browser links are waiting to be opened \(at most 2\)/);
    t += 10_000;
    expect(store.issue(req).token).toBeTruthy();
  });
});
