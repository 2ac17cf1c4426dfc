/**
 * The browser terminal (docs/web.md) end to end: the link comes from the real OpenSSH client
 * (`ssh alice@127.0.0.1 web web-7d9f`), a real browser (Debian's chromium through
 * playwright-core) opens it, and the tests type, resize, paste and close the tab, reading the
 * results from xterm.js's own buffer and from the pod. Refusals (a used link, a wrong Origin,
 * allow.web off) are checked over plain HTTP/WebSocket clients too.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { DEFAULT_USERS, startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh, waitFor } from './helpers/ssh.ts';
import { launchChromium, openTerminal, screenText, typeLine } from './helpers/browser.ts';

let emu: Emulator;
let pg: Podgate;
let browser: Browser;

const USERS = DEFAULT_USERS.map((u) => (u.name === 'alice' ? { ...u, allow: { web: true } } : u));

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({ emulator: emu, users: USERS, configPatch: { web: { listen: '127.0.0.1:0' } } });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pg?.stop();
  await emu?.close();
});

/** `ssh alice@bastion web ARGS...`: the one line it prints. */
async function link(args: string[] = ['web-7d9f'], user = 'alice'): Promise<string> {
  const res = await ssh(pg, user, ['web', ...args]);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const out = res.stdout.toString();
  expect(out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]{22}\n$/);
  return out.trim();
}

/** Opens a link whose session runs a command (no prompt to wait for). */
async function openCommand(url: string): Promise<Page> {
  const p = await browser.newPage();
  expect((await p.goto(url))?.status()).toBe(200);
  return p;
}

describe('browser terminal', () => {
  let page: Page;
  let url: string;

  it('ssh … web TARGET prints one link; chromium opens it and runs a shell in the pod', async () => {
    url = await link();
    let headers: Record<string, string>;
    ({ page, headers } = await openTerminal(browser, url));
    // The session cookie: script cannot read it, other sites cannot send it; plain HTTP here.
    expect(headers['set-cookie']).toMatch(/^podgate_web=[A-Za-z0-9_-]{22}; Path=\/w\/[0-9a-f]{16}\/; HttpOnly; SameSite=Strict$/);
    expect(headers['content-security-policy']).toContain("script-src 'self';");
    expect(await page.evaluate(() => document.cookie)).toBe('');
    // The link's token left the address bar.
    expect(page.url()).toMatch(/\/w\/[0-9a-f]{16}\/$/);
    await typeLine(page, 'echo $((6*7))');
    await waitFor(async () => (await screenText(page)).split('\n').some((l) => l.trim() === '42'), '42 on the page', 20_000);
    const start = await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_START' && l['via'] === 'web'), 'SESSION_START via web');
    expect(start).toMatchObject({ user: 'alice', action: 'web', namespace: 'default', pod: 'web-7d9f', pty: true, command: null });
    await waitFor(() => pg.logs().some((l) => l['code'] === 'WEB_LINK_REDEEMED' && l['user'] === 'alice'), 'the audit event');
    // The token is never logged.
    const token = url.split('/t/')[1];
    expect(JSON.stringify(pg.logs())).not.toContain(token);
  });

  it('renders the terminal as a picture (PODGATE_WEB_SCREENSHOT=FILE keeps it: the README\'s screenshot)', async () => {
    const file = process.env.PODGATE_WEB_SCREENSHOT ?? join(tmpdir(), `podgate-web-shot-${process.pid}.png`);
    await typeLine(page, 'clear; uname -n; id; printf "UTF-8: h\\xc3\\xa9llo \\xe2\\x9c\\x93\\n"; ls --color=always /usr');
    await waitFor(async () => (await screenText(page)).includes('share'), 'ls output');
    const png = await page.screenshot({ path: file });
    // A PNG of the whole viewport, and the page really drew the terminal's text (xterm's rows).
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.length).toBeGreaterThan(10_000);
    expect(await screenText(page)).toMatch(/UTF-8: héllo ✓/);
    if (!process.env.PODGATE_WEB_SCREENSHOT) rmSync(file, { force: true });
  });

  it('the terminal follows the browser window: stty size changes with the viewport', async () => {
    await page.setViewportSize({ width: 700, height: 400 });
    const small = await waitFor(async () => {
      const size = await page.evaluate(() => [window.podgate.term.rows, window.podgate.term.cols]);
      return size[1] < 90 ? size : null;
    }, 'xterm refits');
    await typeLine(page, 'stty size');
    await waitFor(async () => (await screenText(page)).includes(`${small[0]} ${small[1]}`), `stty size ${small.join(' ')}`);
    await page.setViewportSize({ width: 1300, height: 800 });
    const big = await waitFor(async () => {
      const size = await page.evaluate(() => [window.podgate.term.rows, window.podgate.term.cols]);
      return size[1] > small[1] && size[0] > small[0] ? size : null;
    }, 'xterm refits larger');
    await typeLine(page, 'clear; stty size');
    await waitFor(async () => (await screenText(page)).includes(`${big[0]} ${big[1]}`), `stty size ${big.join(' ')}`);
  });

  it('a 10 KiB paste arrives exactly, and UTF-8 both ways', async () => {
    const line = randomBytes(7680).toString('base64').replace(/[+/]/g, 'x');
    expect(line.length).toBe(10240);
    const want = createHash('sha256').update(line).digest('hex');
    await typeLine(page, 'clear');
    await page.keyboard.type("printf %s '");
    // A paste event on the terminal's input, as the browser fires it for Ctrl+V or the context
    // menu (headless chromium runs no clipboard shortcut): xterm.js's own paste handling.
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      document.querySelector('#terminal textarea')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, line);
    await typeLine(page, "' | sha256sum");
    await waitFor(async () => (await screenText(page)).includes(want), 'the sha256 of the pasted line', 30_000);
    await typeLine(page, 'clear; echo "héllo ✓ 日本" | od -An -tx1 | tr -d " \\n"; echo');
    const hex = Buffer.from('héllo ✓ 日本\n').toString('hex');
    await waitFor(async () => (await screenText(page)).includes(hex), 'the UTF-8 bytes in the pod');
    await typeLine(page, "printf '\\xe2\\x9c\\x93 ok\\n'");
    await waitFor(async () => (await screenText(page)).split('\n').some((l) => l.trim() === '✓ ok'), 'UTF-8 from the pod');
  });

  it('a 2 MiB paste (beyond one WebSocket message) arrives whole', async () => {
    // 2048 lines of 1023 characters: under the tty's 4 KiB canonical line limit.
    const line = (i: number) => `${String(i).padStart(5, '0')}${'x'.repeat(1018)}`;
    const text = Array.from({ length: 2048 }, (_, i) => `${line(i)}\n`).join('');
    expect(text.length).toBe(2 * 1024 * 1024);
    const want = createHash('sha256').update(text).digest('hex');
    await typeLine(page, 'clear; stty -echo; head -c 2097152 | sha256sum; stty echo');
    await page.evaluate((t) => {
      const data = new DataTransfer();
      data.setData('text/plain', t);
      document.querySelector('#terminal textarea')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, text);
    await waitFor(async () => (await screenText(page)).includes(want), 'the sha256 of the 2 MiB paste', 60_000);
    expect(await page.evaluate(() => window.podgate.ended)).toBe(false);
  }, 90_000);

  it('closing the tab ends the session and reaps its processes in the pod', async () => {
    await typeLine(page, 'sleep 4343 & sleep 4344');
    await waitFor(async () => (await emu.processes('default', 'web-7d9f', 'app')).filter((p) => /^sleep 434[34]$/.test(p.args)).length === 2, 'both sleeps run');
    await page.close();
    await waitFor(async () => !(await emu.processes('default', 'web-7d9f', 'app')).some((p) => /^sleep 434[34]$/.test(p.args)), 'the sleeps are gone', 30_000);
    const end = await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_END' && l['via'] === 'web'), 'SESSION_END via web');
    expect(end).toMatchObject({ user: 'alice', action: 'web', reason: 'client-closed' });
    await waitFor(() => pg.logs().find((l) => l['code'] === 'REAP' && l['sessionId'] === end['sessionId']), 'its REAP event');
  });

  it('web TARGET -- COMMAND runs the command under a PTY and shows its exit status', async () => {
    const p = (await openCommand(await link(['web-7d9f', '--', 'echo', 'done-$((6*7))', ';', 'exit', '3'])));
    await waitFor(() => p.evaluate(() => window.podgate.ended), 'the command ends');
    expect((await screenText(p)).split('\n')[0]).toBe('done-42');
    expect(await p.evaluate(() => window.podgate.exitCode)).toBe(3);
    expect(await p.textContent('#state')).toBe('ended (exit status 3)');
    await p.close();
    expect(await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_END' && l['via'] === 'web' && l['command'] === 'echo done-$((6*7)) ; exit 3'), 'the audit event')).toMatchObject({ exitCode: 3, reason: 'exit', action: 'web' });
  });

  it('a second use of the link gets a clear refusal page', async () => {
    const p = await browser.newPage();
    const res = await p.goto(url);
    expect(res?.status()).toBe(410);
    expect(await p.textContent('h1')).toContain('this browser link was already used');
    await p.close();
    await waitFor(() => pg.logs().some((l) => l['code'] === 'WEB_REFUSED' && l['reason'] === 'used-link' && l['user'] === 'alice'), 'the audit event');
  });
});
