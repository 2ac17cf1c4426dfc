/**
 * PROXY protocol behind a real HAProxy (Debian `haproxy`): `send-proxy` (v1) and
 * `send-proxy-v2` in front of podgate, real OpenSSH clients from distinct loopback addresses
 * (`ssh -b 127.0.0.x`), so the address HAProxy reports differs from HAProxy's own. The audit
 * log and per-source penalties see the client's address; a trusted source must send the header;
 * an untrusted source that sends one is refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { freePort, waitListening } from './forward-helpers.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh, waitFor } from './helpers/ssh.ts';

let emu: Emulator;
let pg: Podgate;
let work: string;
let haproxy: ChildProcess | null = null;
let haproxyErr = '';
const ports = { v1: 0, v2: 0, plain: 0 };

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  // HAProxy connects to podgate from 127.0.0.1; the clients come from 127.0.0.5 and up.
  pg = await startPodgate({ emulator: emu, configPatch: { proxyProtocol: { trustedSources: ['127.0.0.1/32'] } } });
  work = mkdtempSync(join(tmpdir(), 'podgate-haproxy-'));
  ports.v1 = await freePort();
  ports.v2 = await freePort();
  ports.plain = await freePort();
  const backend = (name: string, port: number, send: string) => [
    `frontend ${name}`, `  bind 127.0.0.1:${port}`, `  default_backend ${name}_pg`,
    `backend ${name}_pg`, `  server pg 127.0.0.1:${pg.port} ${send}`,
  ];
  const cfg = join(work, 'haproxy.cfg');
  writeFileSync(cfg, [
    'global', '  maxconn 200',
    'defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 60s', '  timeout server 60s',
    ...backend('v1', ports.v1, 'send-proxy'), ...backend('v2', ports.v2, 'send-proxy-v2'), ...backend('plain', ports.plain, ''), '',
  ].join('\n'));
  haproxy = spawn('/usr/sbin/haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  haproxy.stderr!.on('data', (d: Buffer) => { haproxyErr += d.toString(); });
  await Promise.all([waitListening(ports.v1), waitListening(ports.v2), waitListening(ports.plain)]).catch((e: Error) => {
    throw new Error(`${e.message}; haproxy said: ${haproxyErr}`);
  });
}, 90_000);

afterAll(async () => {
  haproxy?.kill('SIGTERM');
  await pg?.stop();
  await emu?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The same endpoint as `pg` (keys), reached through HAProxy's frontend on `port`. */
const via = (port: number) => ({ port, keyFor: (u: string) => pg.keyFor(u) });
const from = (addr: string): string[] => ['-b', addr];
const at = (l: Record<string, unknown>): number => Date.parse(String(l['time']));

describe('PROXY protocol from a trusted HAProxy', () => {
  for (const [version, client] of [['send-proxy (v1)', '127.0.0.5'], ['send-proxy-v2', '127.0.0.6']] as const) {
    it(`${version}: the audit log shows the client's address, not HAProxy's`, async () => {
      const port = version.startsWith('send-proxy-v2') ? ports.v2 : ports.v1;
      const t0 = Date.now();
      const r = await ssh(via(port), 'alice+web-7d9f', ['echo via-haproxy'], { extraArgs: from(client) });
      expect(r.code, r.stderr).toBe(0);
      const auth = await waitFor(() => pg.logs().find((l) => l['code'] === 'AUTH_ATTEMPT' && l['result'] === 'accepted' && at(l) >= t0 - 1000 && l['remoteAddress'] === client), `AUTH_ATTEMPT from ${client}`);
      expect(auth['remoteAddress']).toBe(client);
      expect(r.stdout.toString()).toBe('via-haproxy\n');
      expect(pg.logs().some((l) => l['code'] === 'AUTH_ATTEMPT' && at(l) >= t0 - 1000 && l['remoteAddress'] === '127.0.0.1')).toBe(false);
    }, 60_000);
  }

  it('penalties follow the address HAProxy reports: one failing client does not lock out the next', async () => {
    const bad = '127.0.0.9';
    for (let i = 0; i < 5; i++) {
      const r = await ssh(via(ports.v2), 'alice+web-7d9f', ['true'], { key: pg.strangerKey, extraArgs: from(bad) });
      expect(r.code).toBe(255);
    }
    await waitFor(() => pg.logs().find((l) => l['code'] === 'SOURCE_PENALISED' && l['remoteAddress'] === bad), 'a penalty for the client behind HAProxy');
    const ok = await ssh(via(ports.v2), 'alice+web-7d9f', ['echo fine'], { extraArgs: from('127.0.0.10') });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.toString()).toBe('fine\n');
    expect(pg.logs().some((l) => l['code'] === 'SOURCE_PENALISED' && l['remoteAddress'] === '127.0.0.1')).toBe(false);
  }, 90_000);

  it('refuses a trusted source that sends no PROXY header (audited)', async () => {
    const r = await ssh(via(ports.plain), 'alice+web-7d9f', ['echo no'], { extraArgs: from('127.0.0.7') });
    expect(r.code).toBe(255);
    expect(r.stdout.toString()).toBe('');
    await waitFor(() => pg.logs().find((l) => l['code'] === 'CONNECTION_REFUSED' && l['reason'] === 'proxy-header-missing' && l['remoteAddress'] === '127.0.0.1'), 'a proxy-header-missing refusal');
  }, 60_000);
});

describe('PROXY protocol from anyone else', () => {
  it('refuses an untrusted source that sends a PROXY header (audited), and serves it without one', async () => {
    const sock = net.connect({ port: pg.port, host: '127.0.0.1', localAddress: '127.0.0.8' });
    sock.on('error', () => {});
    sock.resume(); // read (and drop) the banner so the close is seen
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    sock.on('connect', () => sock.write('PROXY TCP4 203.0.113.7 127.0.0.1 5555 22\r\nSSH-2.0-spoof\r\n'));
    await closed;
    await waitFor(() => pg.logs().find((l) => l['code'] === 'CONNECTION_REFUSED' && l['reason'] === 'proxy-untrusted' && l['remoteAddress'] === '127.0.0.8'), 'a proxy-untrusted refusal');
    expect(pg.logs().some((l) => l['remoteAddress'] === '203.0.113.7')).toBe(false);
    const direct = await ssh(pg, 'alice+web-7d9f', ['echo direct'], { extraArgs: from('127.0.0.8') });
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stdout.toString()).toBe('direct\n');
  }, 60_000);
});
