/** Port-forward on the wire: port prefix, echo, error channel. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, alice, collect } from './testing/fake-api.ts';

let f: FakeApi;
beforeAll(async () => { f = await FakeApi.start(); });
afterAll(async () => { await f.close(); });
beforeEach(() => f.reset());

describe('port-forward', () => {
  it('strips the port prefix, echoes bytes and ends when the API closes', async () => {
    f.onWs = (ws) => {
      ws.send(Buffer.from([0, 0x28, 0x23]));
      ws.send(Buffer.from([1, 0x28, 0x23]));
      ws.on('message', (d: Buffer) => {
        if (d[0] !== 0) return;
        ws.send(d);
        if (d.subarray(1).toString().endsWith('.')) ws.close(1000);
      });
    };
    const p = await f.api.portForward({ namespace: 'prod', pod: 'db-0', port: 9000, identity: alice });
    expect(f.seen[0].url.pathname).toBe('/api/v1/namespaces/prod/pods/db-0/portforward');
    expect(f.seen[0].url.searchParams.get('ports')).toBe('9000');
    p.socket.write('hello ');
    p.socket.write('world.');
    const [text, done] = await Promise.all([collect(p.socket), p.done]);
    expect(text).toBe('hello world.');
    expect(done).toEqual({});
  });

  it('turns error-channel text into done.error', async () => {
    f.onWs = (ws) => {
      ws.send(Buffer.from([0, 0x50, 0x00]));
      ws.send(Buffer.concat([Buffer.from([1, 0x50, 0x00]), Buffer.from('error forwarding port 80 to pod x: connection refused')]));
    };
    const p = await f.api.portForward({ namespace: 'prod', pod: 'db-0', port: 80, identity: alice });
    const [, done] = await Promise.all([collect(p.socket), p.done]);
    expect(done.error?.code).toBe('API_ERROR');
    expect(done.error?.operatorMessage).toContain('connection refused');
  });
});
