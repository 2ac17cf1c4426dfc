/**
 * What ssh2 lacks and podgate adds in front of it: login grace time, caps on unauthenticated
 * connections, MaxAuthTries; the hardened algorithm set and ident; and a clean SIGTERM.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { makeKeyDir, type KeyDir } from './helpers/keys.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { runClient, ssh, sshArgs, waitFor } from './helpers/ssh.ts';

let emu: Emulator;
let pg: Podgate;
let keys: KeyDir;

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({
    emulator: emu,
    configPatch: { limits: { loginGraceSeconds: 2, maxAuthTries: 3, maxUnauthenticated: 50, maxUnauthenticatedPerSource: 3, shutdownGraceSeconds: 3 } },
  });
  keys = makeKeyDir();
}, 90_000);

afterAll(async () => {
  await pg?.stop();
  await emu?.close();
  keys?.cleanup();
});

/** A raw TCP connection: resolves with what the server sent and when it closed. */
function rawConnect(port: number, localAddress?: string): { banner: Promise<string>; closed: Promise<number>; socket: net.Socket } {
  const socket = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
  const opened = Date.now();
  let data = '';
  socket.on('error', () => {});
  const banner = new Promise<string>((resolve) => {
    socket.on('data', (d) => {
      data += d.toString('latin1');
      if (data.includes('\r\n')) resolve(data.split('\r\n')[0]);
    });
    socket.on('close', () => resolve(data));
  });
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - opened)));
  return { banner, closed, socket };
}

describe('before authentication', () => {
  it('identifies as SSH-2.0-podgate and drops a connection that does not authenticate within the grace time', async () => {
    const c = rawConnect(pg.port);
    expect(await c.banner).toBe('SSH-2.0-podgate');
    const ms = await c.closed;
    expect(ms).toBeGreaterThanOrEqual(1500);
    expect(ms).toBeLessThan(15_000);
    expect(pg.logs().some((l) => l['code'] === 'CONNECTION_CLOSED' && l['reason'] === 'login-grace-timeout')).toBe(true);
  });

  it('caps unauthenticated connections per source address: the excess waits, silent, for a slot', async () => {
    const held = [rawConnect(pg.port), rawConnect(pg.port), rawConnect(pg.port)];
    await Promise.all(held.map((h) => h.banner));
    const extra = rawConnect(pg.port);
    let bannerSeen = false;
    void extra.banner.then(() => { bannerSeen = true; });
    await new Promise((r) => setTimeout(r, 700));
    expect(bannerSeen).toBe(false); // queued: accepted, but no banner yet
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    expect(await extra.banner).toBe('SSH-2.0-podgate');
    extra.socket.destroy();
    await waitFor(async () => (await ssh(pg, 'alice+web-7d9f', ['echo again'])).code === 0, 'a session after the slots freed up', 15_000, 300);
  });

  it('penalises a source whose connections idle out the grace time (refused, audited), not others', async () => {
    const idle = [rawConnect(pg.port, '127.0.0.31'), rawConnect(pg.port, '127.0.0.31')];
    expect(await idle[0].banner).toBe('SSH-2.0-podgate');
    await Promise.all(idle.map((c) => c.closed)); // 2 x 10 s grace-exceeded >= the 15 s minimum
    const p = await waitFor(() => pg.logs().find((l) => l['code'] === 'SOURCE_PENALISED' && l['remoteAddress'] === '127.0.0.31'), 'a grace-exceeded penalty');
    expect(p['event']).toBe('grace-exceeded');
    const again = rawConnect(pg.port, '127.0.0.31');
    expect(await again.banner).toBe(''); // refused at the door
    await waitFor(() => pg.logs().find((l) => l['code'] === 'CONNECTION_REFUSED' && l['reason'] === 'penalty' && l['remoteAddress'] === '127.0.0.31'), 'a penalty refusal');
    const ok = await ssh(pg, 'alice+web-7d9f', ['echo other'], { extraArgs: ['-b', '127.0.0.32'] });
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('disconnects after maxAuthTries failed attempts', async () => {
    const wrong = ['w1', 'w2', 'w3', 'w4', 'w5'].map((n) => keys.generate(n).privateKeyPath);
    const args = sshArgs(pg, 'alice+web-7d9f', ['true'], { key: wrong[0] });
    const extraKeys = wrong.slice(1).flatMap((k) => ['-i', k]);
    const r = await runClient('/usr/bin/ssh', ['-v', ...extraKeys, ...args]);
    expect(r.code).toBe(255);
    const offered = (r.stderr.match(/Offering public key/g) ?? []).length;
    expect(offered).toBeLessThan(5); // the client had 5 keys to offer
    const closed = await waitFor(() => pg.logs().find((l) => l['code'] === 'CONNECTION_CLOSED' && l['reason'] === 'too-many-auth-failures'), 'too-many-auth-failures');
    const attempts = pg.logs().filter((l) => l['code'] === 'AUTH_ATTEMPT' && l['connId'] === closed['connId']);
    expect(attempts.length).toBe(3);
    expect(attempts.every((l) => l['result'] === 'rejected')).toBe(true);
  });
});

describe('algorithms', () => {
  it('negotiates curve25519 and AES (OpenSSH prefers ctr once chacha20 is gone), and refuses chacha20, CBC, SHA-1 MACs and NIST kex', async () => {
    const ok = await ssh(pg, 'alice+web-7d9f', ['true'], { extraArgs: ['-v'] });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/kex: algorithm: curve25519-sha256/);
    expect(ok.stderr).toMatch(/server->client cipher: aes(128|256)-(gcm@openssh.com|ctr) MAC: (<implicit>|hmac-sha2-(256|512)-etm@openssh.com)/);
    const gcm = await ssh(pg, 'alice+web-7d9f', ['true'], { extraArgs: ['-v', '-o', 'Ciphers=aes128-gcm@openssh.com'] });
    expect(gcm.stderr).toMatch(/server->client cipher: aes128-gcm@openssh.com/);
    expect(ok.stderr).toMatch(/compression: none/);
    for (const opt of ['Ciphers=chacha20-poly1305@openssh.com', 'Ciphers=aes128-cbc', 'MACs=hmac-sha1', 'KexAlgorithms=ecdh-sha2-nistp256']) {
      const r = await ssh(pg, 'alice+web-7d9f', ['true'], { extraArgs: ['-v', '-o', opt] });
      expect(r.code, opt).toBe(255);
      expect(r.stderr, opt).toMatch(/no matching/);
    }
  });

  it('uses strict KEX (Terrapin countermeasure)', async () => {
    const r = await ssh(pg, 'alice+web-7d9f', ['true'], { extraArgs: ['-vvv'] });
    expect(r.stderr).toMatch(/will use strict KEX ordering/);
  });
});

describe('SIGTERM', () => {
  it('tells connected users, lets sessions finish for the grace period, then ends them and exits 0', async () => {
    const pending = ssh(pg, 'alice+web-7d9f', ['sleep 60; echo never'], { timeoutMs: 40_000 });
    await waitFor(() => pg.logs().some((l) => l['code'] === 'SESSION_START' && l['command'] === 'sleep 60; echo never'), 'session start');
    const quick = ssh(pg, 'alice+web-7d9f', ['sleep 1; echo finished-in-grace'], { timeoutMs: 40_000 });
    await waitFor(() => pg.logs().some((l) => l['code'] === 'SESSION_START' && l['command'] === 'sleep 1; echo finished-in-grace'), 'second session start');
    pg.kill('SIGTERM');
    const [r, q] = await Promise.all([pending, quick]);
    expect(q.code).toBe(0);
    expect(q.stdout.toString()).toBe('finished-in-grace\n');
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/podgate: the bastion is shutting down/);
    expect(r.stdout.toString()).toBe('');
    expect(await pg.exited).toBe(0);
    const end = pg.logs().find((l) => l['code'] === 'SESSION_END' && l['command'] === 'sleep 60; echo never');
    expect(end?.['reason']).toBe('shutdown');
    const reap = pg.logs().find((l) => l['code'] === 'REAP' && l['sessionId'] === end?.['sessionId']);
    expect(reap?.['outcome']).toMatch(/term|kill/);
    const left = await emu.processes('default', 'web-7d9f', 'app');
    expect(left.some((p) => p.args.includes('sleep 60'))).toBe(false);
  }, 60_000);
});
