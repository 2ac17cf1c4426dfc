import { describe, expect, it } from 'vitest';
import { BrowserSessions } from './browser-sessions.ts';
import { parseWebArgs } from './console-command.ts';
import { cookieValue, sessionCookie } from './http-headers.ts';
import { parseResize } from './ws-channel.ts';

describe('web console arguments', () => {
  it('TARGET, or TARGET -- COMMAND', () => {
    expect(parseWebArgs(['web-7d9f'])).toEqual({ target: 'web-7d9f', command: null });
    expect(parseWebArgs(['web.prod', '--', 'top', '-d', '1'])).toEqual({ target: 'web.prod', command: 'top -d 1' });
    for (const bad of [[], ['-x'], ['a', 'b'], ['a', '--']]) expect(() => parseWebArgs(bad)).toThrow(/usage: web TARGET/);
    expect(parseWebArgs(['--watch', 'abc123'])).toEqual({ join: { mode: 'watch', sessionId: 'abc123' } });
    expect(parseWebArgs(['--attach', 'abc123'])).toEqual({ join: { mode: 'attach', sessionId: 'abc123' } });
    for (const bad of [['--attach'], ['--watch', 'a', 'b'], ['--attach', '--x']]) expect(() => parseWebArgs(bad)).toThrow(/usage: web --(attach|watch) ID/);
  });
});

describe('resize messages', () => {
  it('only {type: resize} with whole sizes in 1..1000', () => {
    expect(parseResize('{"type":"resize","cols":120,"rows":40}')).toEqual({ cols: 120, rows: 40 });
    for (const bad of ['', 'x', 'null', '{"type":"resize","cols":0,"rows":1}', '{"type":"resize","cols":1.5,"rows":1}', '{"type":"resize","cols":1001,"rows":1}', '{"type":"other","cols":1,"rows":1}', '{"type":"resize","cols":"80","rows":24}']) {
      expect(parseResize(bad)).toBeNull();
    }
  });
});

describe('session cookie', () => {
  it('is HttpOnly, SameSite=Strict, path-scoped, Secure only under TLS', () => {
    expect(sessionCookie('v', '0123456789abcdef', false)).toBe('podgate_web=v; Path=/w/0123456789abcdef/; HttpOnly; SameSite=Strict');
    expect(sessionCookie('v', 'ab', true)).toMatch(/; Secure$/);
    expect(cookieValue('a=1; podgate_web=xyz; b=2', 'podgate_web')).toBe('xyz');
    expect(cookieValue(undefined, 'podgate_web')).toBeUndefined();
    expect(cookieValue('podgate_webx=1', 'podgate_web')).toBeUndefined();
  });

  it('opens its terminal once, with the right cookie, within the TTL', () => {
    let t = 0;
    const sessions = new BrowserSessions({ ttlSeconds: 5, now: () => t });
    const grant = { id: 'l1', user: 'alice', target: 'web-7d9f', command: null };
    const a = sessions.create(grant);
    expect(sessions.claim(a.id, undefined)).toEqual({ ok: false, reason: 'no-session' });
    expect(sessions.claim(a.id, 'B'.repeat(22))).toEqual({ ok: false, reason: 'no-session' });
    expect(sessions.claim(a.id, a.cookie)).toEqual({ ok: true, grant });
    expect(sessions.claim(a.id, a.cookie)).toMatchObject({ ok: false, reason: 'session-used' });
    sessions.end(a.id);
    expect(sessions.claim(a.id, a.cookie)).toMatchObject({ ok: false, reason: 'no-session' });
    const b = sessions.create(grant);
    t += 5000;
    expect(sessions.claim(b.id, b.cookie)).toMatchObject({ ok: false, reason: 'no-session' });
  });
});
