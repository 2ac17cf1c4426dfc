/**
 * The browser terminal's refusals and safety, each through a real client: the policy, RBAC and
 * certificate restrictions refuse `ssh … web` before any link exists; links expire, are bounded
 * per user, are not spent by HEAD, and a source that keeps presenting bad links is penalised
 * (behind a trusted ingress, the address it forwards); the WebSocket needs this origin and the
 * session's cookie, once; the idle timeout ends a browser session as it ends an SSH one.
 */
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { DEFAULT_USERS, startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh, waitFor } from './helpers/ssh.ts';
import { httpGet } from './helpers/browser.ts';
import { openSocket, redeem, webLink } from './helpers/web-client.ts';
import { makeCertDir, type CertDir } from './helpers/certs.ts';

const TTL = 3;
let emu: Emulator;
let pg: Podgate;
let certs: CertDir;
/** alice's key with a certificate that does not permit a PTY (`ssh-keygen -O no-pty`). */
let noPtyKey: string;

const USERS = DEFAULT_USERS.map((u) => (u.name === 'alice' || u.name === 'mallory' ? { ...u, allow: { web: true } } : u));

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  certs = makeCertDir();
  const ca = await certs.key('ca');
  noPtyKey = await certs.key('alice-nopty');
  await certs.sign(ca, noPtyKey, ['-n', 'alice', '-O', 'no-pty']);
  pg = await startPodgate({ emulator: emu, users: USERS, configPatch: { userCAs: [readFileSync(`${ca}.pub`, 'utf8').trim()], web: { listen: '127.0.0.1:0', linkTtlSeconds: TTL, maxPendingLinksPerUser: 3, trustedProxies: ['127.0.0.3'] }, limits: { idleTimeoutSeconds: 2 } } });
}, 120_000);

afterAll(async () => {
  await pg?.stop();
  await emu?.close();
  certs?.cleanup();
});

/** `ssh alice@bastion web web-7d9f` on this suite's podgate (or `p`). */
function link(user = 'alice', p: Podgate = pg): Promise<string> {
  return webLink(p, user);
}

describe('ssh … web is refused before a link exists', () => {
  it('allow.web off: the policy refuses, nothing on stdout', async () => {
    const res = await ssh(pg, 'carol', ['web', 'db-0.prod']);
    expect(res.code).toBe(255);
    expect(res.stdout.length).toBe(0);
    expect(res.stderr).toBe('podgate: carol may not use the web terminal (allow.web, allow.shell)\n');
  });

  it('allow.web on but no exec RBAC on the pod: the cluster refuses', async () => {
    const res = await ssh(pg, 'mallory', ['web', 'web-7d9f']);
    expect(res.code).toBe(255);
    expect(res.stdout.length).toBe(0);
    expect(res.stderr).toMatch(/^podgate: mallory may not .*exec/);
  });

  it('a certificate without permit-pty gets no browser terminal either (it is a PTY session)', async () => {
    const res = await ssh(pg, 'alice', ['web', 'web-7d9f'], { key: noPtyKey, extraArgs: ['-o', `CertificateFile=${noPtyKey}-cert.pub`] });
    expect(res.code).toBe(255);
    expect(res.stdout.length).toBe(0);
    expect(res.stderr).toBe('podgate: your certificate does not permit a terminal (permit-pty), and a browser terminal is one\n');
  });

  it('bad usage, and --attach of a session that does not exist, say so', async () => {
    const none = await ssh(pg, 'alice', ['web']);
    expect(none.code).toBe(255);
    expect(none.stderr).toBe('podgate: usage: web TARGET [-- COMMAND...]\n');
    const attach = await ssh(pg, 'alice', ['web', '--attach', '0123456789abcdef']);
    expect(attach.code).toBe(255);
    expect(attach.stdout.length).toBe(0);
    expect(attach.stderr).toMatch(/^podgate: no session "0123456789abcdef" of yours on this bastion/);
  });
});

describe('links', () => {
  it('at most web.maxPendingLinksPerUser unopened links per user', async () => {
    for (let i = 0; i < 3; i++) await link();
    const fourth = await ssh(pg, 'alice', ['web', 'web-7d9f']);
    expect(fourth.code).toBe(255);
    expect(fourth.stdout.length).toBe(0);
    expect(fourth.stderr).toMatch(/^podgate: 3 browser links are waiting to be opened \(at most 3\)/);
  });

  it('a HEAD request does not spend a link', async () => {
    // The three pending links of the test before may still hold the room: wait them out.
    await new Promise((r) => setTimeout(r, TTL * 1000 + 200));
    const url = await link();
    const head = await new Promise<number>((resolve, reject) => {
      request(url, { method: 'HEAD' }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject).end();
    });
    expect(head).toBe(405);
    expect((await httpGet(url)).status).toBe(200);
  });

  it('an expired link gets a clear page and an audit event', async () => {
    // The three pending links of the test before expire too.
    const url = await link().catch(async () => {
      await new Promise((r) => setTimeout(r, TTL * 1000 + 500));
      return link();
    });
    await new Promise((r) => setTimeout(r, TTL * 1000 + 500));
    const res = await httpGet(url);
    expect(res.status).toBe(410);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<h1>podgate: this browser link has expired</h1>');
    await waitFor(() => pg.logs().some((l) => l['code'] === 'WEB_REFUSED' && l['reason'] === 'expired-link' && l['user'] === 'alice'), 'the audit event');
    // The next click is a link issued now: it works.
    expect((await httpGet(await link())).status).toBe(200);
  });

  it('a source presenting bad links is penalised (429), another source is not', async () => {
    const good = await link();
    // limits.penalties at their defaults: 5 s per refusal, refused from 15 s held. Three
    // refusals, a few ms apart, hold just under 15 s; the fourth crosses it.
    for (let i = 0; i < 4; i++) {
      const bad = await httpGet(`${new URL(good).origin}/t/${'A'.repeat(22)}`, { localAddress: '127.0.0.2' });
      expect(bad.status).toBe(404);
      expect(bad.body).toContain('this browser link is not valid');
    }
    const blocked = await httpGet(good, { localAddress: '127.0.0.2' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(15);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(20);
    expect(blocked.body).toContain('too many refused requests from this address');
    // The refused request did not spend the link.
    expect((await httpGet(good)).status).toBe(200);
    await waitFor(() => pg.logs().some((l) => l['code'] === 'WEB_REFUSED' && l['reason'] === 'penalised' && l['remoteAddress'] === '127.0.0.2'), 'the audit event');
  });

  it('behind a trusted ingress the browser is the X-Forwarded-For address it appended; from others the header is ignored', async () => {
    const bad = `${new URL(await link()).origin}/t/${'B'.repeat(22)}`;
    await httpGet(bad, { localAddress: '127.0.0.3', headers: { 'X-Forwarded-For': '198.51.100.1, 203.0.113.9' } });
    await httpGet(bad, { localAddress: '127.0.0.4', headers: { 'X-Forwarded-For': '203.0.113.10' } });
    // podgate's log lines reach the test through a pipe: wait for both.
    const refusedFrom = () => pg.logs().filter((l) => l['code'] === 'WEB_REFUSED' && l['reason'] === 'unknown-link').map((l) => l['remoteAddress']);
    await waitFor(() => refusedFrom().includes('203.0.113.9') && refusedFrom().includes('127.0.0.4'), 'both refusals logged');
    const sources = refusedFrom();
    expect(sources).not.toContain('203.0.113.10');
    expect(sources).not.toContain('198.51.100.1');
  });
});

describe('the terminal WebSocket', () => {
  it('needs this origin and the session cookie, and opens once', async () => {
    const s = await redeem(await link());
    const evil = await openSocket(s.socket, { Origin: 'http://evil.example', Cookie: s.cookie });
    expect(evil).toMatchObject({ status: 403 });
    expect((evil as { body: string }).body).toContain('the terminal connection came from another site');
    const noCookie = await openSocket(s.socket, { Origin: s.origin });
    expect(noCookie).toMatchObject({ status: 403 });
    expect((noCookie as { body: string }).body).toContain('this browser has no valid terminal session');
    const ok = await openSocket(s.socket, { Origin: s.origin, Cookie: s.cookie });
    if (!('ws' in ok)) throw new Error(`refused: ${ok.status}`);
    const again = await openSocket(s.socket, { Origin: s.origin, Cookie: s.cookie });
    expect(again).toMatchObject({ status: 409 });
    ok.ws.close();
    const reasons = () => pg.logs().filter((l) => l['code'] === 'WEB_REFUSED').map((l) => l['reason']);
    await waitFor(() => ['bad-origin', 'no-session', 'session-used'].every((r) => reasons().includes(r)), 'the three refusals logged');
    expect(await waitFor(() => pg.logs().find((l) => l['code'] === 'WEB_REFUSED' && l['reason'] === 'bad-origin'), 'the audit event')).toMatchObject({ origin: 'http://evil.example' });
  });
});

describe('limits', () => {
  it('limits.idleTimeoutSeconds ends an idle browser session as it ends an SSH one, and reaps it', async () => {
    const s = await redeem(await link());
    const opened = await openSocket(s.socket, { Origin: s.origin, Cookie: s.cookie });
    if (!('ws' in opened)) throw new Error(`refused: ${opened.status}`);
    const out: Buffer[] = [];
    const texts: string[] = [];
    opened.ws.on('message', (d: Buffer, binary: boolean) => (binary ? out.push(d) : texts.push(d.toString())));
    const closed = await new Promise<number>((r) => opened.ws.once('close', (code) => r(code)));
    expect(closed).toBe(1000);
    expect(Buffer.concat(out).toString()).toContain('podgate: session closed after being idle too long\r\n');
    expect(texts).toEqual(['{"type":"exit","code":255}']);
    const end = await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_END' && l['via'] === 'web' && l['reason'] === 'idle-timeout'), 'SESSION_END idle-timeout');
    await waitFor(() => pg.logs().find((l) => l['code'] === 'REAP' && l['sessionId'] === end['sessionId']), 'its REAP');
  });
});
