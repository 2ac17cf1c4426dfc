import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readProxyHeader, watchForProxyHeader, type HeaderResult } from './proxy-reader.ts';

const servers: net.Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

/** A loopback server handing its accepted socket to `onSocket`; the client writes `chunks` with pauses. */
async function pair(onSocket: (s: net.Socket) => void, chunks: Buffer[]): Promise<net.Socket> {
  const server = net.createServer((s) => { s.on('error', () => {}); onSocket(s); });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  await new Promise<void>((r) => client.on('connect', () => r()));
  for (const c of chunks) {
    client.write(c);
    await new Promise((r) => setTimeout(r, 30));
  }
  return client;
}

describe('readProxyHeader on a socket', () => {
  it('reads a header split across packets and leaves the following bytes for the next reader', async () => {
    const got = await new Promise<{ r: HeaderResult; rest: string }>((resolve) => {
      void pair((s) => {
        void readProxyHeader(s, 2000).then((r) => {
          let rest = '';
          s.on('data', (d: Buffer) => {
            rest += d.toString();
            if (rest.endsWith('\r\n')) resolve({ r, rest });
          });
          s.resume(); // left paused for ssh2, which resumes it itself
        });
      }, [Buffer.from('PROXY TCP4 198.51'), Buffer.from('.100.2 10.0.0.1 4000 22\r\nSSH-2.0-'), Buffer.from('client\r\n')]);
    });
    expect(got.r).toEqual({ ok: true, version: 1, addresses: { sourceAddress: '198.51.100.2', sourcePort: 4000, destAddress: '10.0.0.1', destPort: 22 } });
    expect(got.rest).toBe('SSH-2.0-client\r\n');
  });

  it('reports a missing header, an invalid one and a silent peer', async () => {
    const run = (chunks: Buffer[], timeoutMs = 2000) => new Promise<HeaderResult>((resolve) => {
      void pair((s) => { void readProxyHeader(s, timeoutMs).then(resolve); }, chunks);
    });
    expect(await run([Buffer.from('SSH-2.0-direct\r\n')])).toEqual({ ok: false, reason: 'proxy-header-missing' });
    expect(await run([Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n')])).toMatchObject({ ok: false, reason: 'proxy-header-invalid' });
    expect(await run([], 200)).toEqual({ ok: false, reason: 'proxy-header-timeout' });
  });
});

describe('watchForProxyHeader', () => {
  it('flags a PROXY header from an untrusted peer and ignores an SSH version line', async () => {
    const seen = (chunks: Buffer[]) => new Promise<boolean>((resolve) => {
      void pair((s) => {
        watchForProxyHeader(s, () => resolve(true));
        s.on('data', () => setTimeout(() => resolve(false), 100));
      }, chunks);
    });
    expect(await seen([Buffer.from('PRO'), Buffer.from('XY TCP4 1.2.3.4 5.6.7.8 1 2\r\n')])).toBe(true);
    expect(await seen([Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')])).toBe(false);
  });
});
