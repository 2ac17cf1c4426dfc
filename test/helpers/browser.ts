/**
 * A real browser for the browser-terminal tests: Debian's chromium driven by playwright-core
 * (`npx playwright install` cannot download here; scripts/install-test-deps.sh installs it).
 * The page exposes its xterm.js Terminal as `window.podgate.term`; the tests read what it shows
 * from the terminal's buffer, as a user would read the screen.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { get as httpGetPlain } from 'node:http';
import { get as httpsGet } from 'node:https';
import { chromium, type Browser, type Page } from 'playwright-core';
import { waitFor } from './ssh.ts';

interface PageTerminal {
  rows: number;
  cols: number;
  paste(text: string): void;
  onWriteParsed(listener: () => void): unknown;
  buffer: { active: { length: number; getLine(i: number): { translateToString(trim: boolean): string } | undefined } };
}

declare global {
  interface Window {
    podgate: { term: PageTerminal; ended: boolean; exitCode: number | null };
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Opens a link in a new page and waits until its terminal is connected. */
export async function openTerminal(browser: Browser, url: string, viewport = { width: 1000, height: 600 }): Promise<{ page: Page; status: number; headers: Record<string, string> }> {
  const page = await browser.newPage({ viewport });
  const res = await page.goto(url);
  if (!res) throw new Error('no response');
  await waitFor(() => page.evaluate(() => document.getElementById('state')?.textContent === 'connected'), 'terminal connected', 20_000);
  // Wait for the prompt: the shell is ready for input.
  await waitFor(async () => /[$#] ?$/m.test(await screenText(page)), 'a shell prompt', 20_000);
  await page.click('#terminal');
  return { page, status: res.status(), headers: await res.allHeaders() };
}

/** Every line of the terminal's buffer (scrollback included), trailing blanks trimmed. */
export function screenText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const buf = window.podgate.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n').replace(/\n+$/, '');
  });
}

/** Types a line into the terminal as keystrokes, then Enter. */
export async function typeLine(page: Page, text: string): Promise<void> {
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** GET with node's own client (no browser): from `localAddress` when given, trusting `ca`. */
export function httpGet(url: string, opts: { headers?: Record<string, string>; localAddress?: string; ca?: string } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGetPlain;
    get(url, { headers: opts.headers ?? {}, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}), ...(opts.ca ? { ca: opts.ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    }).on('error', reject);
  });
}
