/**
 * Access that expires (docs/clusters.md), with the real OpenSSH client: a user past
 * `users[].expires` cannot log in (audited, and told why); a live session ends with
 * `podgate: access for USER expired at TIME` when the expiry a reload set passes (a timer, not
 * the next action), at once when a reload sets it in the past; a certificate's valid-before
 * ends the sessions of its login the same way.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { makeCertDir, type CertDir } from './helpers/certs.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { runClient, ssh, sshArgs, waitFor } from './helpers/ssh.ts';

let emu: Emulator;
let pg: Podgate;
let certs: CertDir;
let ca: string;

beforeAll(async () => {
  certs = makeCertDir('podgate-expiry-certs-');
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  ca = await certs.key('ca');
  const alice = { user: 'alice', groups: ['dev'] };
  pg = await startPodgate({
    emulator: emu,
    users: [
      { name: 'gone', kubernetes: alice },
      { name: 'temp', kubernetes: alice },
      { name: 'temp2', kubernetes: alice },
      { name: 'certy', kubernetes: alice },
    ],
    configPatch: { userCAs: [readFileSync(`${ca}.pub`, 'utf8').trim()] },
  });
  // `gone` expired long ago; set by a reload so the start-up config stays the helper's own.
  await rewrite((u) => (u.name === 'gone' ? { ...u, expires: '2020-01-01T00:00:00Z' } : u));
}, 120_000);

afterAll(async () => {
  await pg?.stop();
  await emu?.close();
  certs?.cleanup();
});

interface UserDoc { name: string; expires?: string }
let reloadsSeen = 0;

/** Rewrites the config file (atomically) and waits for podgate to apply it. */
async function rewrite(change: (u: UserDoc) => UserDoc): Promise<void> {
  const doc = parse(readFileSync(pg.configPath, 'utf8')) as { users: UserDoc[] };
  doc.users = doc.users.map(change);
  writeFileSync(`${pg.configPath}.tmp`, stringify(doc));
  renameSync(`${pg.configPath}.tmp`, pg.configPath);
  reloadsSeen++;
  await waitFor(() => pg.logs().filter((l) => l['code'] === 'CONFIG_RELOADED').length >= reloadsSeen, 'the config reload', 30_000);
}

const sessionEnds = (user: string) => pg.logs().filter((l) => l['code'] === 'SESSION_END' && l['user'] === user);

describe('users[].expires', () => {
  it('past it, the user cannot log in: refused, audited, and the client is told why', async () => {
    // LogLevel INFO: OpenSSH prints userauth banners only from that level.
    const argv = sshArgs(pg, 'gone+tiny.prod', ['echo', 'in']).map((a) => (a === 'LogLevel=ERROR' ? 'LogLevel=INFO' : a));
    const r = await runClient('/usr/bin/ssh', argv);
    expect(r.code).toBe(255);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr).toContain('podgate: access for gone expired at 2020-01-01T00:00:00Z');
    expect(r.stderr).toMatch(/Permission denied/);
    const attempts = pg.logs().filter((l) => l['code'] === 'AUTH_ATTEMPT' && l['user'] === 'gone+tiny.prod');
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.every((l) => l['result'] === 'rejected' && String(l['reason']).startsWith('access-expired: 2020-01-01T00:00:00Z'))).toBe(true);
  });

  it('a live session ends with a clear line when an expiry set by a reload passes (a timer)', async () => {
    const session = ssh(pg, 'temp+tiny.prod', ['sleep 120; echo not-ended'], { timeoutMs: 90_000 });
    await waitFor(() => pg.logs().some((l) => l['code'] === 'SESSION_START' && l['user'] === 'temp'), 'temp\'s session to start', 30_000);
    const at = new Date(Date.now() + 3000).toISOString();
    await rewrite((u) => (u.name === 'temp' ? { ...u, expires: at } : u));
    // Still running after the reload: the expiry is in the future.
    expect(sessionEnds('temp')).toEqual([]);
    const r = await session;
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(at));
    expect(r.code).toBe(255);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr).toContain(`podgate: access for temp expired at ${at}`);
    expect(sessionEnds('temp')[0]).toMatchObject({ reason: 'access-expired' });
    expect(pg.logs().find((l) => l['code'] === 'ACCESS_EXPIRED' && l['user'] === 'temp')).toMatchObject({ expiredAt: at, source: 'config', sessions: 1 });
    const again = await ssh(pg, 'temp+tiny.prod', ['echo', 'in']);
    expect(again.code).toBe(255);
  });

  it('a reload that sets an expiry in the past ends live sessions at once', async () => {
    const session = ssh(pg, 'temp2+tiny.prod', ['sleep 120; echo not-ended'], { timeoutMs: 90_000 });
    await waitFor(() => pg.logs().some((l) => l['code'] === 'SESSION_START' && l['user'] === 'temp2'), 'temp2\'s session to start', 30_000);
    const reloaded = Date.now();
    await rewrite((u) => (u.name === 'temp2' ? { ...u, expires: '2021-06-01T12:00:00+02:00' } : u));
    const r = await session;
    expect(Date.now() - reloaded).toBeLessThan(30_000);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('podgate: access for temp2 expired at 2021-06-01T12:00:00+02:00');
    expect(sessionEnds('temp2')[0]).toMatchObject({ reason: 'access-expired' });
  });
});

describe('certificate valid-before', () => {
  it('ends the live sessions of the certificate\'s login at that time', async () => {
    const key = await certs.key('certy-key');
    // Valid for 15 s from now: long enough to log in on a loaded machine.
    await certs.sign(ca, key, ['-n', 'certy', '-V', '-1m:+15s']);
    const started = Date.now();
    const r = await ssh(pg, 'certy+tiny.prod', ['sleep 120; echo not-ended'], { key, timeoutMs: 90_000, extraArgs: ['-o', `CertificateFile=${key}-cert.pub`] });
    expect(r.code).toBe(255);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr).toMatch(/podgate: access for certy expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z/);
    const event = pg.logs().find((l) => l['code'] === 'ACCESS_EXPIRED' && l['user'] === 'certy');
    expect(event).toMatchObject({ source: 'certificate', sessions: 1 });
    const end = Date.parse(String(event!['expiredAt']));
    expect(end - started).toBeLessThanOrEqual(16_000);
    expect(Date.now()).toBeGreaterThanOrEqual(end);
    expect(sessionEnds('certy')[0]).toMatchObject({ reason: 'access-expired' });
  });
});
