import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { keepAlive } from './ws-keepalive.ts';

const servers: WebSocketServer[] = [];

async function connect(autoPong: boolean): Promise<WebSocket> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong });
  servers.push(wss);
  wss.on('connection', (s) => s.on('error', () => undefined));
  await once(wss, 'listening');
  const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  ws.on('error', () => undefined);
  await once(ws, 'open');
  return ws;
}

afterEach(() => {
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    s.close();
  }
});

describe('keepAlive', () => {
  it('keeps a stream whose peer answers pings', async () => {
    const ws = await connect(true);
    let pongs = 0;
    ws.on('pong', () => { pongs++; });
    keepAlive(ws, () => false, 1000);
    await expect.poll(() => pongs, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('terminates a stream whose peer went silent', async () => {
    const ws = await connect(false);
    keepAlive(ws, () => false, 200);
    await expect.poll(() => ws.readyState, { timeout: 30_000 }).toBe(WebSocket.CLOSED);
  });

  it('does not count silence while podgate itself paused reading', async () => {
    const ws = await connect(false);
    let pings = 0;
    const origPing = ws.ping.bind(ws);
    ws.ping = ((...a: Parameters<WebSocket['ping']>) => { pings++; origPing(...a); }) as WebSocket['ping'];
    keepAlive(ws, () => true, 100);
    await expect.poll(() => pings, { timeout: 30_000 }).toBeGreaterThanOrEqual(6);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});
