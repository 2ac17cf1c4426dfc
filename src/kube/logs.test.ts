/** pods/log on the wire: options as query, raw bytes, abort, kubectl-style errors. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, alice, headerLines, status, rejection } from './testing/fake-api.ts';

let f: FakeApi;
beforeAll(async () => { f = await FakeApi.start(); });
afterAll(async () => { await f.close(); });
beforeEach(() => f.reset());

describe('logs', () => {
  it('streams raw bytes with the options as query, and abort ends a follow', async () => {
    let serverClosed = false;
    f.rest = (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write(Buffer.from([0xff, 0x00, 0x41, 0x0a]));
      req.socket.on('close', () => { serverClosed = true; });
    };
    const l = await f.api.logs({ namespace: 'prod', pod: 'web', container: 'app', identity: alice, follow: true, tailLines: 5, sinceSeconds: 60, timestamps: true });
    const q = f.seen[0].url.searchParams;
    expect(Object.fromEntries(q)).toEqual({ container: 'app', follow: 'true', tailLines: '5', sinceSeconds: '60', timestamps: 'true' });
    expect(headerLines(f.seen[0].rawHeaders, 'impersonate-group')).toEqual(['dev', 'ops']);
    const first = await new Promise<Buffer>((r) => l.stream.once('data', r));
    expect([...first]).toEqual([0xff, 0x00, 0x41, 0x0a]);
    l.abort();
    await expect.poll(() => serverClosed, { timeout: 5000 }).toBe(true);
  });

  it('rejects with the API message as kubectl prints it', async () => {
    f.rest = (_req, res) => res.writeHead(400).end(status(400, 'container "app" in pod "pending-1" is waiting to start: ContainerCreating'));
    const err = await rejection(f.api.logs({ namespace: 'prod', pod: 'pending-1', container: 'app', identity: alice }));
    expect(err.userMessage).toBe('container "app" in pod "pending-1" is waiting to start: ContainerCreating');
  });
});
