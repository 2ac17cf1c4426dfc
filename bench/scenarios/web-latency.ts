/**
 * Keystroke latency through the browser terminal beside the SSH path, on one podgate with
 * web.listen on, to the same pod running the same raw echo (`stty raw -echo; exec cat`):
 *
 *   ssh        the OpenSSH client under a PTY (node-pty), as latency-1 measures it
 *   websocket  a WebSocket client speaking the terminal page's protocol (binary frames): the
 *              browser path's server side without a browser's own noise
 *   browser    Debian's chromium (playwright-core) typing into the page: from the keydown
 *              event in the page to the echoed byte parsed into xterm.js's buffer, timed in
 *              the page (performance.now()), so CDP's dispatch time is not counted; the
 *              extra figures keydownToWsSend* stop when the page sends the key on its
 *              WebSocket, keydownToWsEcho* when the echo's message is dispatched (before
 *              xterm.js parses it)
 *
 * One session per path, keys one after another with a short pause.
 */
import { execFile } from 'node:child_process';
import { get } from 'node:http';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { percentile, median } from '../lib/stats.ts';
import { sleep } from '../lib/proc.ts';
import { startTypist, ECHO_CMD } from '../lib/pty-typist.ts';
import type { BenchEnv } from '../lib/env.ts';
import type { BenchContext, ScenarioResult } from '../lib/result.ts';
import { POD, sshTarget } from '../lib/targets.ts';
import type { Podgate } from '../../test/helpers/podgate.ts';

const run = promisify(execFile);
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

interface Samples { samples: number[]; failures: number }

/** `ssh alice@bastion web POD -- ECHO_CMD`: the link. */
async function link(pg: Podgate): Promise<string> {
  const argv = sshTarget('podgate', pg.port, pg.keyFor('alice'), 'alice').argv(`web ${POD} -- ${ECHO_CMD}`);
  const { stdout } = await run(argv[0], argv.slice(1));
  return stdout.trim();
}

async function viaSsh(pg: Podgate, keys: number): Promise<Samples> {
  const t = startTypist(sshTarget('podgate', pg.port, pg.keyFor('alice'), `alice+${POD}`).argv(ECHO_CMD, { tty: true }));
  try {
    if (!(await t.ready)) return { samples: [], failures: keys };
    const samples: number[] = [];
    let failures = 0;
    for (let k = 0; k < keys; k++) {
      const ms = await t.key();
      if (Number.isNaN(ms)) failures++;
      else samples.push(ms);
      await sleep(5);
    }
    return { samples, failures };
  } finally {
    await t.kill();
  }
}

/** Redeems a link as the page would: its WebSocket URL and cookie. */
function redeem(url: string): Promise<{ socket: string; cookie: string; origin: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => {
        const path = /data-socket="([^"]+)"/.exec(body)?.[1];
        if (!path) return reject(new Error(`no terminal page (${res.statusCode})`));
        const origin = new URL(url).origin;
        resolve({ socket: `${origin.replace(/^http/, 'ws')}${path}?cols=80&rows=24`, cookie: String(res.headers['set-cookie']).split(';')[0], origin });
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function viaWebSocket(pg: Podgate, keys: number): Promise<Samples> {
  const s = await redeem(await link(pg));
  const ws = new WebSocket(s.socket, { headers: { Origin: s.origin, Cookie: s.cookie } });
  let seen = '';
  let waiter: ((d: string) => void) | null = null;
  ws.on('message', (d: Buffer, binary: boolean) => {
    if (!binary) return;
    if (waiter) waiter(d.toString('latin1'));
    else seen += d.toString('latin1');
  });
  try {
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    for (let i = 0; i < 600 && !seen.includes('BENCHREADY'); i++) await sleep(50);
    if (!seen.includes('BENCHREADY')) return { samples: [], failures: keys };
    const samples: number[] = [];
    let failures = 0;
    for (let k = 0; k < keys; k++) {
      const ch = LETTERS[k % LETTERS.length];
      const t0 = process.hrtime.bigint();
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => { waiter = null; resolve(false); }, 5000);
        waiter = (d) => {
          if (!d.includes(ch)) return;
          clearTimeout(timer);
          waiter = null;
          resolve(true);
        };
        ws.send(Buffer.from(ch), { binary: true });
      });
      if (ok) samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      else failures++;
      await sleep(5);
    }
    return { samples, failures };
  } finally {
    ws.close();
  }
}

type PageStats = { t0: number; netPending: boolean; sendPending: boolean; samples: number[]; net: number[]; send: number[] };

async function viaBrowser(pg: Podgate, keys: number): Promise<Samples & { net: number[]; send: number[] }> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    // Before the page's own script: note when each binary WebSocket message is dispatched.
    await page.addInitScript(() => {
      const Native = window.WebSocket;
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          this.addEventListener('message', (e: MessageEvent) => {
            const st = (window as unknown as { benchKeys?: PageStats }).benchKeys;
            if (typeof e.data !== 'string' && st?.netPending) {
              st.net.push(performance.now() - st.t0);
              st.netPending = false;
            }
          });
        }

        override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
          const st = (window as unknown as { benchKeys?: PageStats }).benchKeys;
          if (typeof data !== 'string' && st?.sendPending) {
            st.send.push(performance.now() - st.t0);
            st.sendPending = false;
          }
          super.send(data);
        }
      };
    });
    await page.goto(await link(pg));
    await page.waitForFunction(() => {
      const buf = window.podgate?.term.buffer.active;
      return buf !== undefined && (buf.getLine(0)?.translateToString(true) ?? '').includes('BENCHREADY');
    }, undefined, { timeout: 60_000 });
    await page.click('#terminal');
    // Timed in the page: keydown (capture phase) to the first write parsed into the buffer
    // after it (the far side echoes nothing else).
    await page.evaluate(() => {
      const st: PageStats = { t0: 0, netPending: false, sendPending: false, samples: [], net: [], send: [] };
      (window as unknown as { benchKeys: PageStats }).benchKeys = st;
      document.addEventListener('keydown', () => {
        st.t0 = performance.now();
        st.netPending = true;
        st.sendPending = true;
      }, true);
      window.podgate.term.onWriteParsed(() => {
        if (st.t0 === 0) return;
        st.samples.push(performance.now() - st.t0);
        st.t0 = 0;
      });
    });
    let failures = 0;
    for (let k = 0; k < keys; k++) {
      await page.keyboard.press(LETTERS[k % LETTERS.length]);
      try {
        await page.waitForFunction((n) => (window as unknown as { benchKeys: { samples: number[] } }).benchKeys.samples.length >= n, k + 1 - failures, { timeout: 5000, polling: 1 });
      } catch {
        failures++;
      }
      await sleep(5);
    }
    const { samples, net, send } = await page.evaluate(() => (window as unknown as { benchKeys: PageStats }).benchKeys);
    return { samples, failures, net, send };
  } finally {
    await browser.close();
  }
}

export async function latencyWeb(env: BenchEnv, ctx: BenchContext): Promise<ScenarioResult[]> {
  const keys = ctx.quick ? 20 : Number(process.env.PODGATE_BENCH_WEB_KEYS ?? 500);
  const pg = await env.startPodgate(
    { web: { listen: '127.0.0.1:0', maxPendingLinksPerUser: 10 }, limits: { idleTimeoutSeconds: 0, maxSessionSeconds: 0 } },
    [{ name: 'alice', kubernetes: { user: 'alice', groups: ['dev'] }, allow: { web: true } }],
  );
  let browserNet: number[] = [];
  let browserSend: number[] = [];
  try {
    const paths: [string, string, () => Promise<Samples>][] = [
      ['latency-web-ssh', 'keystroke echo, SSH path (OpenSSH client)', () => viaSsh(pg, keys)],
      ['latency-web-ws', 'keystroke echo, browser path: WebSocket client', () => viaWebSocket(pg, keys)],
      ['latency-web-browser', 'keystroke echo, browser path: chromium keydown → xterm.js', async () => {
        const r = await viaBrowser(pg, keys);
        browserNet = r.net;
        browserSend = r.send;
        return r;
      }],
    ];
    const out: ScenarioResult[] = [];
    for (const [name, title, measure] of paths) {
      const r = await measure();
      ctx.log(`  ${name}: p50 ${median(r.samples).toFixed(2)} ms p99 ${percentile(r.samples, 99).toFixed(2)} ms (${r.samples.length} keys, ${r.failures} missed)`);
      out.push({
        name, title: `${title} (${keys} keys)`, unit: 'ms', better: 'lower',
        rows: [{ target: 'podgate', median: median(r.samples), p99: percentile(r.samples, 99), samples: r.samples.length, failures: r.failures }],
        extra: {}, goal: 'none (comparison)', notes: [`far side: ${ECHO_CMD}; ~5 ms between keys; one podgate with web.listen for all three paths`],
      });
    }
    const ssh = out[0].rows[0];
    out[2].extra['keydownToWsSendP50Ms'] = median(browserSend);
    out[2].extra['keydownToWsEchoP50Ms'] = median(browserNet);
    out[2].extra['keydownToWsEchoP99Ms'] = percentile(browserNet, 99);
    for (const r of out.slice(1)) {
      r.extra['p50AddedOverSshMs'] = r.rows[0].median - ssh.median;
      r.extra['p99AddedOverSshMs'] = r.rows[0].p99! - ssh.p99!;
    }
    return out;
  } finally {
    await pg.stop();
  }
}
