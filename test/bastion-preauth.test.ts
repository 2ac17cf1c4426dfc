/**
 * Pre-authentication that bends instead of breaking, with the DEFAULT limits (100
 * unauthenticated in all, 10 per source address): a burst of real OpenSSH logins from one
 * address is queued, not reset; idle holders from ten other addresses cannot keep a valid login
 * out; a failing address is penalised (and audited) while others still get in. The heavy
 * versions (200 logins, 1,000 failed auths) are the `preauth` bench scenario.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { runClient, ssh, sshArgs, waitFor } from './helpers/ssh.ts';

let emu: Emulator;
let pg: Podgate;

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  // The test helper raises the unauthenticated caps and exempts 127.0.0.1 from penalties; put
  // the documented defaults back.
  pg = await startPodgate({ emulator: emu, configPatch: { limits: { maxUnauthenticated: 100, maxUnauthenticatedPerSource: 10, penalties: { exempt: [] } } } });
}, 90_000);

afterAll(async () => {
  await pg?.stop();
  await emu?.close();
});

/** A TCP connection from `localAddress` that reads the banner, sends a version line and then idles. */
function idleHolder(port: number, localAddress: string): { banner: Promise<string>; closed: Promise<void>; socket: net.Socket } {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  let data = '';
  const banner = new Promise<string>((resolve) => {
    socket.on('data', (d) => {
      if (data.includes('\r\n')) return;
      data += d.toString('latin1');
      if (data.includes('\r\n')) {
        socket.write('SSH-2.0-idle_holder\r\n');
        resolve(data.split('\r\n')[0]);
      }
    });
    socket.on('close', () => resolve(data));
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { banner, closed, socket };
}

const from = (addr: string): string[] => ['-b', addr];
/** A log line's time in ms (pino writes ISO text). */
const at = (l: Record<string, unknown>): number => Date.parse(String(l['time']));

describe('pre-authentication with default limits', () => {
  it('60 concurrent real ssh logins from one address all succeed (queued, not reset)', async () => {
    // A queued client waits for the banner, which OpenSSH bounds by ConnectTimeout (the first
    // -o wins, so replace the helper's 20 s): a loaded machine may take longer to reach the last.
    const runs = await Promise.all(Array.from({ length: 60 }, (_, i) => runClient('/usr/bin/ssh',
      sshArgs(pg, 'alice+web-7d9f', [`echo burst-${i}`]).map((a) => (a.startsWith('ConnectTimeout=') ? 'ConnectTimeout=150' : a)), { timeoutMs: 170_000 })));
    const failed = runs.map((r, i) => ({ i, r })).filter(({ i, r }) => r.code !== 0 || r.stdout.toString() !== `burst-${i}\n`);
    expect(failed.map(({ i, r }) => `${i}: ${r.code} ${r.stderr.trim()}`)).toEqual([]);
    // An honest burst earns no penalty.
    expect(pg.logs().filter((l) => l['code'] === 'SOURCE_PENALISED' && l['remoteAddress'] === '127.0.0.1')).toEqual([]);
  }, 200_000);

  it('100 idle connections from ten other addresses cannot keep a valid login out for 5 s', async () => {
    const holders = [];
    for (let a = 2; a <= 11; a++) for (let k = 0; k < 10; k++) holders.push(idleHolder(pg.port, `127.0.0.${a}`));
    const banners = await Promise.all(holders.map((h) => h.banner));
    expect(banners.filter((b) => b === 'SSH-2.0-podgate').length).toBe(100);
    const started = Date.now();
    const r = await ssh(pg, 'alice+web-7d9f', ['echo through'], { timeoutMs: 60_000, extraArgs: from('127.0.0.1') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('through\n');
    const accepted = await waitFor(() => pg.logs().find((l) => l['code'] === 'AUTH_ATTEMPT' && l['result'] === 'accepted' && at(l) >= started), 'an accepted AUTH_ATTEMPT');
    expect(at(accepted) - started).toBeLessThan(5000);
    // The holder that made room was closed with an audited reason.
    await waitFor(() => pg.logs().some((l) => l['code'] === 'CONNECTION_CLOSED' && l['reason'] === 'unauthenticated-preempted' && /^127\.0\.0\.([2-9]|1[01])$/.test(String(l['remoteAddress']))), 'a pre-empted holder');
    for (const h of holders) h.socket.destroy();
    await Promise.all(holders.map((h) => h.closed));
  }, 120_000);

  it('penalises an address whose logins keep failing, audited, while others get in', async () => {
    const bad = '127.0.0.21';
    for (let i = 0; i < 8; i++) {
      const r = await ssh(pg, 'alice+web-7d9f', ['true'], { key: pg.strangerKey, timeoutMs: 30_000, extraArgs: from(bad) });
      expect(r.code).toBe(255);
    }
    const penalised = await waitFor(() => pg.logs().find((l) => l['code'] === 'SOURCE_PENALISED' && l['remoteAddress'] === bad), 'a penalty for the failing address');
    expect(penalised['event']).toBe('authfail');
    // Now even its valid key is refused at the door, with a reason in the audit log ...
    const refusedAt = Date.now();
    const r = await ssh(pg, 'alice+web-7d9f', ['echo should-not-run'], { timeoutMs: 30_000, extraArgs: from(bad) });
    expect(r.code).toBe(255);
    expect(r.stdout.toString()).toBe('');
    await waitFor(() => pg.logs().some((l) => l['code'] === 'CONNECTION_REFUSED' && l['reason'] === 'penalty' && l['remoteAddress'] === bad && at(l) >= refusedAt), 'an audited refusal');
    // ... while another address logs in.
    const ok = await ssh(pg, 'alice+web-7d9f', ['echo still-serving'], { timeoutMs: 30_000, extraArgs: from('127.0.0.22') });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.toString()).toBe('still-serving\n');
  }, 150_000);
});
