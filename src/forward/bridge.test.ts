import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PodgateError } from '../errors/index.ts';
import type { PortStream } from '../kube/types.ts';
import { bridgePort } from './bridge.ts';

const servers: net.Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

/** A connected TCP pair: [the side under test, the peer]. */
async function pair(): Promise<[net.Socket, net.Socket]> {
  const srv = net.createServer();
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  const peer = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
  const mine = await accepted;
  for (const s of [mine, peer]) s.on('error', () => undefined);
  return [mine, peer];
}

function fakePort(sock: net.Socket, error?: PodgateError): PortStream & { aborted: boolean } {
  const p = {
    socket: sock,
    aborted: false,
    done: new Promise<{ error?: PodgateError }>((r) => sock.once('close', () => r(error ? { error } : {}))),
    abort: () => { p.aborted = true; sock.destroy(); },
  };
  return p;
}

const collect = (s: net.Socket): Promise<Buffer> => new Promise((r) => {
  const parts: Buffer[] = [];
  s.on('data', (d: Buffer) => parts.push(d));
  s.once('close', () => r(Buffer.concat(parts)));
});

describe('bridgePort', () => {
  it('copies both ways, counts bytes, and the pod side ending ends the client side', async () => {
    const [channel, client] = await pair();
    const [podEnd, pod] = await pair();
    const result = bridgePort(channel, fakePort(podEnd));
    const toClient = collect(client);
    const toPod = new Promise<Buffer>((r) => pod.once('data', (d: Buffer) => r(d)));
    client.write('request');
    expect((await toPod).toString()).toBe('request');
    pod.end('response');
    expect((await toClient).toString()).toBe('response');
    expect(await result).toEqual({ bytesIn: 7, bytesOut: 8 });
  });

  it('a refused port closes the client side even while the client keeps sending', async () => {
    const [channel, client] = await pair();
    const [podEnd, pod] = await pair();
    const refused = new PodgateError('API_ERROR', 'port 9 of pod db-0 refused the connection');
    const result = bridgePort(channel, fakePort(podEnd, refused));
    const closed = collect(client);
    const writer = setInterval(() => { if (!client.destroyed) client.write(Buffer.alloc(64 * 1024)); }, 5);
    await new Promise((r) => setTimeout(r, 50));
    pod.destroy();
    const got = await closed;
    clearInterval(writer);
    expect(got.length).toBe(0);
    const r = await result;
    expect(r.error).toBe(refused);
    expect(r.bytesOut).toBe(0);
  });

  it('the client closing aborts the pod side', async () => {
    const [channel, client] = await pair();
    const [podEnd, pod] = await pair();
    const port = fakePort(podEnd);
    const result = bridgePort(channel, port);
    const podClosed = new Promise<void>((r) => pod.once('close', () => r()));
    client.destroy();
    await result;
    await podClosed;
    expect(port.aborted).toBe(true);
  });
});
