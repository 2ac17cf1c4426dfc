/**
 * The browser terminal's lifecycle with real clients: HTTPS (web.tls) with a Secure cookie and
 * chromium over wss; a reload that turns allow.web off before a link is opened; SIGTERM telling,
 * ending and reaping a browser session; and a bastion without web.listen saying so. Each case
 * runs its own podgate against one emulator.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { DEFAULT_USERS, startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh, waitFor } from './helpers/ssh.ts';
import { httpGet, screenText, typeLine } from './helpers/browser.ts';
import { openSocket, redeem, webLink } from './helpers/web-client.ts';

let emu: Emulator;
const tmp = mkdtempSync(join(tmpdir(), 'podgate-web-lifecycle-'));
const USERS = DEFAULT_USERS.map((u) => (u.name === 'alice' ? { ...u, allow: { web: true } } : u));

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
}, 120_000);

afterAll(async () => {
  await emu?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const link = (user: string, p: Podgate): Promise<string> => webLink(p, user);

describe('web.tls', () => {
  let tlsPg: Podgate;
  let cert: string;
  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(tmp, 'web.key'), '-out', join(tmp, 'web.crt')], { stdio: 'ignore' });
    cert = readFileSync(join(tmp, 'web.crt'), 'utf8');
    tlsPg = await startPodgate({ emulator: emu, users: USERS, configPatch: { web: { listen: '127.0.0.1:0', tls: { cert: join(tmp, 'web.crt'), key: join(tmp, 'web.key') } } } });
  }, 120_000);
  afterAll(async () => { await tlsPg?.stop(); });

  it('serves HTTPS: a Secure cookie, and chromium runs the terminal over wss', async () => {
    const url = await link('alice', tlsPg);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/t\//);
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--ignore-certificate-errors'] });
    try {
      const page = await browser.newPage();
      const res = await page.goto(url);
      expect(await res!.headerValue('set-cookie')).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
      await waitFor(async () => /[$#] ?$/m.test(await screenText(page)), 'a prompt over wss');
      await page.click('#terminal');
      await typeLine(page, 'echo $((6*7))');
      await waitFor(async () => (await screenText(page)).split('\n').some((l) => l.trim() === '42'), '42 over wss');
    } finally {
      await browser.close();
    }
    // And node's client sees the same certificate and cookie.
    const plain = await httpGet(await link('alice', tlsPg), { ca: cert });
    expect(String(plain.headers['set-cookie'])).toMatch(/; Secure$/);
  });
});

describe('the config in force decides', () => {
  it('a link printed before allow.web was turned off (reload) opens nothing', async () => {
    const own = await startPodgate({ emulator: emu, users: USERS, configPatch: { web: { listen: '127.0.0.1:0' } } });
    try {
      const url = await link('alice', own);
      const config = parseYaml(readFileSync(own.configPath, 'utf8')) as { users: { name: string; allow?: Record<string, unknown> }[] };
      for (const u of config.users) if (u.name === 'alice') u.allow = { ...u.allow, web: false };
      writeFileSync(own.configPath, stringifyYaml(config));
      own.kill('SIGHUP');
      await waitFor(() => own.logs().some((l) => l['code'] === 'CONFIG_RELOADED'), 'the reload', 30_000);
      const res = await httpGet(url);
      expect(res.status).toBe(403);
      expect(res.body).toContain('this browser has no valid terminal session');
      await waitFor(() => own.logs().some((l) => l['code'] === 'WEB_REFUSED' && l['reason'] === 'user-gone' && l['user'] === 'alice'), 'the audit event');
    } finally {
      await own.stop();
    }
  });
});

describe('shutdown', () => {
  it('SIGTERM tells the browser terminal, ends it after the grace, and reaps it', async () => {
    const own = await startPodgate({ emulator: emu, users: USERS, configPatch: { web: { listen: '127.0.0.1:0' }, limits: { shutdownGraceSeconds: 1 } } });
    try {
      const s = await redeem(await link('alice', own));
      const opened = await openSocket(s.socket, { Origin: s.origin, Cookie: s.cookie });
      if (!('ws' in opened)) throw new Error(`refused: ${opened.status}`);
      let out = '';
      opened.ws.on('message', (d: Buffer, binary: boolean) => { if (binary) out += d.toString(); });
      await waitFor(() => /[$#] ?$/m.test(out), 'a prompt');
      opened.ws.send(Buffer.from('sleep 4545\r'), { binary: true });
      await waitFor(async () => (await emu.processes('default', 'web-7d9f', 'app')).some((p) => p.args === 'sleep 4545'), 'sleep 4545 runs');
      const closed = new Promise<void>((r) => opened.ws.once('close', () => r()));
      own.kill('SIGTERM');
      await closed;
      expect(out).toContain('podgate: the bastion is shutting down; sessions end in 1 s\r\n');
      expect(out).toContain('podgate: the bastion is shutting down\r\n');
      expect(await own.exited).toBe(0);
      expect(own.logs().find((l) => l['code'] === 'SESSION_END' && l['via'] === 'web')).toMatchObject({ reason: 'shutdown' });
      expect((await emu.processes('default', 'web-7d9f', 'app')).some((p) => p.args === 'sleep 4545')).toBe(false);
    } finally {
      await own.stop();
    }
  });
});

describe('without web.listen', () => {
  let off: Podgate;
  beforeAll(async () => { off = await startPodgate({ emulator: emu, users: USERS }); }, 120_000);
  afterAll(async () => { await off?.stop(); });

  it('ssh … web says the browser terminal is off', async () => {
    const res = await ssh(off, 'alice', ['web', 'web-7d9f']);
    expect(res.code).toBe(255);
    expect(res.stdout.length).toBe(0);
    expect(res.stderr).toBe('podgate: the browser terminal is not enabled on this bastion\n');
  });
});
