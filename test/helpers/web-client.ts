/**
 * Non-browser clients of the browser terminal, for the tests that check its refusals and
 * lifecycle: the link from the real OpenSSH client, its redemption with node's HTTP client
 * (the session's WebSocket URL and cookie), and a WebSocket that reports a refusal's status
 * and page instead of throwing.
 */
import { expect } from 'vitest';
import WebSocket from 'ws';
import { httpGet } from './browser.ts';
import { ssh, type SshEndpoint } from './ssh.ts';

/** `ssh USER@bastion web TARGET`: the one line it prints (asserting nothing else came). */
export async function webLink(ep: SshEndpoint, user = 'alice', target = 'web-7d9f'): Promise<string> {
  const res = await ssh(ep, user, ['web', target]);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return res.stdout.toString().trim();
}

/** Redeems a link with node's client: the session's socket URL and its cookie. */
export async function redeem(url: string): Promise<{ socket: string; cookie: string; origin: string }> {
  const res = await httpGet(url);
  expect(res.status).toBe(200);
  const id = /data-socket="(\/w\/[0-9a-f]{16}\/ws)"/.exec(res.body)![1];
  const cookie = String(res.headers['set-cookie']).split(';')[0];
  const origin = new URL(url).origin;
  return { socket: `${origin.replace(/^http/, 'ws')}${id}?cols=80&rows=24`, cookie, origin };
}

/** Opens a WebSocket; resolves with the open socket, or the refusal's status and body. */
export function openSocket(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (e) => reject(e));
  });
}
