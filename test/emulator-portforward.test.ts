/**
 * pods/portforward through the full emulator with @kubernetes/client-node's PortForward (the
 * kubelet's WebSocket protocol; kubectl itself uses SPDY): 10 MiB each way through db-0's echo
 * port byte for byte, each pod's own localhost (two pods on :8080), and the error channel text
 * for a closed port.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { until } from './helpers/runtime-harness.ts';

let emu: Emulator;
let dir: string;
let kc: KubeConfig;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emu-pf-'));
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  const path = join(dir, 'kubeconfig');
  emu.writeKubeconfig(path, { token: 'admin-token' });
  kc = new KubeConfig();
  kc.loadFromFile(path);
}, 120_000);

afterAll(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

class Collector extends Writable {
  chunks: Buffer[] = [];
  bytes = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

type Ws = { close(): void; readyState: number; once(ev: 'close', cb: () => void): void };

async function forward(ns: string, pod: string, port: number) {
  const out = new Collector();
  const err = new Collector();
  const input = new PassThrough();
  const ws = (await new PortForward(kc).portForward(ns, pod, [port], out, err, input)) as unknown as Ws;
  const closed = new Promise<void>((r) => (ws.readyState === 3 ? r() : ws.once('close', () => r())));
  return { out, err, input, ws, closed };
}

describe('port-forward over WebSocket (client-node)', () => {
  it('moves 10 MiB each way through db-0:9000 byte-exactly', async () => {
    const size = 10 * 1024 * 1024;
    const data = randomBytes(size);
    const f = await forward('prod', 'db-0', 9000);
    for (let off = 0; off < size; off += 64 * 1024) f.input.write(data.subarray(off, off + 64 * 1024));
    await until(() => f.out.bytes >= size, 120_000, '10 MiB echoed back');
    f.ws.close();
    await f.closed;
    const back = Buffer.concat(f.out.chunks);
    expect(back.length).toBe(size);
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect(f.err.bytes).toBe(0);
    const entry = (await emu.requests()).find((e) => e.path === '/api/v1/namespaces/prod/pods/db-0/portforward');
    expect(entry).toMatchObject({ status: 101, protocol: 'v4.channel.k8s.io' });
  }, 180_000);

  it('reaches each pod\'s own localhost: two pods both listen on :8080', async () => {
    for (const pod of ['web-5d4c8b-x2k9p', 'web-5d4c8b-q7m4z']) {
      const f = await forward('prod', pod, 8080);
      f.input.write('GET /index.html HTTP/1.0\r\n\r\n');
      await until(() => f.out.text().includes(`hello from ${pod}`), 20_000, `${pod} page`);
      await f.closed;
      expect(f.out.text()).toMatch(/^HTTP\/1\.[01] 200 OK/);
    }
  });

  it('writes the kubelet\'s error text on the error channel for a closed port', async () => {
    const f = await forward('prod', 'db-0', 9001);
    await until(() => f.err.bytes > 0, 20_000, 'error channel text');
    await f.closed;
    expect(f.err.text()).toMatch(/^error forwarding port 9001 to pod [0-9a-f-]+, uid : .*127\.0\.0\.1:9001: connect: connection refused/);
    expect(f.out.bytes).toBe(0);
  });

  it('serves several ports on one WebSocket: channels 2i/2i+1, each prefixed with its port', async () => {
    const url = `${emu.url.replace('https', 'wss')}/api/v1/namespaces/prod/pods/db-0/portforward?ports=9000,9001`;
    const ws = new WebSocket(url, ['v4.channel.k8s.io'], { ca: emu.caPem ?? undefined, headers: { Authorization: 'Bearer admin-token' } });
    const frames: { ch: number; data: Buffer }[] = [];
    ws.on('error', () => undefined);
    ws.on('message', (d: Buffer) => frames.push({ ch: d[0] ?? -1, data: d.subarray(1) }));
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    expect(ws.protocol).toBe('v4.channel.k8s.io');
    await until(() => frames.length >= 4, 20_000, 'port prefixes');
    const first = (ch: number) => frames.find((f) => f.ch === ch)?.data;
    expect(first(0)).toEqual(Buffer.from([9000 & 0xff, 9000 >> 8]));
    expect(first(1)).toEqual(Buffer.from([9000 & 0xff, 9000 >> 8]));
    expect(first(2)).toEqual(Buffer.from([9001 & 0xff, 9001 >> 8]));
    expect(first(3)).toEqual(Buffer.from([9001 & 0xff, 9001 >> 8]));
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping-9000')]));
    const text = (ch: number) => Buffer.concat(frames.filter((f) => f.ch === ch).slice(1).map((f) => f.data)).toString();
    await until(() => text(0) === 'ping-9000', 20_000, 'echo on channel 0');
    await until(() => text(3).includes('error forwarding port 9001'), 20_000, 'error on channel 3');
    expect(text(1)).toBe('');
    ws.close();
    await new Promise((r) => (ws.readyState === ws.CLOSED ? r(null) : ws.once('close', r)));
  });
});
