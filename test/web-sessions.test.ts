/**
 * The browser terminal and sessions that outlive a connection (sessions.detachGraceSeconds):
 * closing the tab detaches a browser session instead of ending it; `ssh … web --attach ID`
 * moves it to a new browser page with the screen as it was; `ssh … web --watch ID` shows it
 * read-only in another page; `ssh -t … attach ID` takes it from the browser to a terminal. Real
 * OpenSSH client for the links (and in tmux for the terminal), Debian's chromium for the pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { DEFAULT_USERS, startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh, tmuxTracker, waitFor } from './helpers/ssh.ts';
import { launchChromium, openTerminal, screenText, typeLine } from './helpers/browser.ts';

let emu: Emulator;
let pg: Podgate;
let browser: Browser;
const tmuxes = tmuxTracker();
const USERS = DEFAULT_USERS.map((u) => (u.name === 'alice' ? { ...u, allow: { web: true } } : u));

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({ emulator: emu, users: USERS, configPatch: { web: { listen: '127.0.0.1:0' }, sessions: { detachGraceSeconds: 60 } } });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  tmuxes.killAll();
  await browser?.close();
  await pg?.stop();
  await emu?.close();
});

async function link(args: string[]): Promise<string> {
  const res = await ssh(pg, 'alice', ['web', ...args]);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return res.stdout.toString().trim();
}

/** alice's live sessions: id → state. */
async function sessions(): Promise<Map<string, string>> {
  const r = await ssh(pg, 'alice', ['sessions']);
  const rows = r.stdout.toString().trimEnd().split('\n').slice(1).map((l) => l.split(/\s{3,}/));
  return new Map(rows.map((c) => [c[0], c[2]]));
}

describe('browser sessions that outlive their tab', () => {
  it('closing the tab detaches; web --attach ID resumes it in a new page; web --watch ID shows it read-only; ssh attach ID takes it back', async () => {
    const mark = `MARK-${Math.random().toString(36).slice(2, 8)}`;
    const first = (await openTerminal(browser, await link(['web-7d9f']))).page;
    await typeLine(first, `echo ${mark}`);
    await waitFor(async () => (await screenText(first)).split('\n').some((l) => l.trim() === mark), 'the mark');
    const id = await waitFor(async () => [...(await sessions())].find(([, state]) => state === 'attached')?.[0], 'the live session');
    await first.close();
    await waitFor(async () => (await sessions()).get(id) === 'detached', 'detached, not ended');

    const attach = await link(['--attach', id]);
    const page = await browser.newPage();
    await page.goto(attach);
    await waitFor(async () => (await screenText(page)).includes(mark), 'the screen as it was');
    await page.click('#terminal');
    await typeLine(page, 'echo $((6*7))');
    await waitFor(async () => (await screenText(page)).split('\n').some((l) => l.trim() === '42'), '42 in the resumed session');
    expect((await sessions()).get(id)).toBe('attached');

    const watcher = await browser.newPage();
    await watcher.goto(await link(['--watch', id]));
    await waitFor(async () => (await screenText(watcher)).includes('42'), 'the watcher sees the session');
    await watcher.click('#terminal');
    await typeLine(watcher, 'echo FROM-WATCHER');
    await typeLine(page, 'echo after-$((40+3))');
    await waitFor(async () => (await screenText(watcher)).includes('after-43'), 'the watcher sees new output');
    expect(await screenText(page)).not.toContain('FROM-WATCHER');

    // The same session from the other door: `ssh -t alice@bastion attach ID` takes it over.
    const t = tmuxes.start(pg, 'alice', ['attach', id], { cols: 100, rows: 30, tty: true });
    await t.waitFor(/after-43/);
    await waitFor(async () => (await screenText(page)).includes('this session was attached from another connection'), 'the page is told');
    await waitFor(() => page.evaluate(() => window.podgate.ended), 'the page lets go');
    t.type('exit', true);
    await waitFor(async () => !(await sessions()).has(id), 'gone from sessions');
    await watcher.close();
    await page.close();
  });
});
