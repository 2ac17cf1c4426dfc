/**
 * Regression for a reported bypass: legacy scp (`scp -t` / `scp -f` exec requests) ran the
 * client's command text in a shell, so `allow.shell: false` users ran anything after an `scp`
 * prefix, and `allow.sftp: false` did not stop scp. Every attempt below would create a marker
 * file in the (host-filesystem) debian pod; none may exist afterwards, and podgate must refuse
 * with a `podgate: ...` line. Real OpenSSH `ssh` and `scp -O`.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { runClient, ssh } from './helpers/ssh.ts';

let emu: Emulator;
let pg: Podgate;
let work: string;
const dev = { user: 'alice', groups: ['dev'] };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'podgate-scp-inj-'));
  chmodSync(work, 0o777);
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({
    emulator: emu,
    users: [
      { name: 'files', kubernetes: dev, allow: { shell: false, sftp: true } },
      { name: 'locked', kubernetes: dev, allow: { shell: false, sftp: false } },
    ],
  });
}, 90_000);

afterAll(async () => {
  await pg?.stop();
  await emu?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const out = (b: Buffer): string => b.toString('utf8');
let n = 0;
const marker = (): string => join(work, `mark-${++n}`);

describe('legacy scp cannot smuggle commands', () => {
  const attempts: [string, (m: string) => string][] = [
    ['background and a second command', (m) => `scp -f x & touch ${m}; echo INJECTED`],
    ['command substitution', (m) => `scp -t $(touch ${m})`],
    ['backticks', (m) => `scp -t \`touch ${m}\``],
    ['a semicolon', (m) => `scp -f x; touch ${m}`],
    ['a pipe', (m) => `scp -f x | touch ${m}`],
    ['a newline', (m) => `scp -f x\ntouch ${m}`],
    ['a redirection', (m) => `scp -t x > ${m}`],
    ['two words', (m) => `scp -t x ${m}`],
    ['a double-quoted substitution', (m) => `scp -t "$(touch ${m})"`],
  ];
  it.each(attempts)('allow.shell false, allow.sftp true: %s runs nothing', async (_name, make) => {
    const m = marker();
    const r = await ssh(pg, 'files+web-7d9f', [make(m)]);
    expect(existsSync(m), 'the smuggled command ran').toBe(false);
    expect(out(r.stdout)).not.toContain('INJECTED');
    expect(r.code, r.stderr).toBe(255);
    expect(r.stderr).toMatch(/^podgate: /m);
  }, 60_000);

  it('allow.shell false, allow.sftp false: scp -t $(…) runs nothing', async () => {
    const m = marker();
    const r = await ssh(pg, 'locked+web-7d9f', [`scp -t $(touch ${m}; echo X >&2)`]);
    expect(existsSync(m), 'the smuggled command ran').toBe(false);
    expect(r.stderr).not.toMatch(/^X$/m);
    expect(r.code).toBe(255);
  }, 60_000);

  it('allow.sftp false: scp -f reads no file', async () => {
    const secret = join(work, 'secret.txt');
    writeFileSync(secret, 'TOP-SECRET\n');
    const r = await ssh(pg, 'locked+web-7d9f', [`scp -f ${secret}`], { input: '\0\0\0' });
    expect(out(r.stdout)).not.toContain('TOP-SECRET');
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/^podgate: .*(file transfer|sftp)/m);
  }, 60_000);

  it('allow.sftp false: real scp -O is refused both ways', async () => {
    const secret = join(work, 'secret2.txt');
    writeFileSync(secret, 'TOP-SECRET\n');
    const opts = ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR',
      '-i', pg.keyFor('locked'), '-P', String(pg.port), '-O'];
    const down = await runClient('/usr/bin/scp', [...opts, `locked+web-7d9f@127.0.0.1:${secret}`, join(work, 'got.txt')]);
    expect(down.code).not.toBe(0);
    expect(existsSync(join(work, 'got.txt'))).toBe(false);
    writeFileSync(join(work, 'up.txt'), 'up\n');
    const up = await runClient('/usr/bin/scp', [...opts, join(work, 'up.txt'), `locked+web-7d9f@127.0.0.1:${join(work, 'landed.txt')}`]);
    expect(up.code).not.toBe(0);
    expect(existsSync(join(work, 'landed.txt'))).toBe(false);
  }, 60_000);

  it('allow.sftp true: real scp -O still copies, also a name with a space', async () => {
    const opts = ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR',
      '-i', pg.keyFor('files'), '-P', String(pg.port), '-O'];
    writeFileSync(join(work, 'a b.txt'), 'spaced\n');
    const up = await runClient('/usr/bin/scp', [...opts, join(work, 'a b.txt'), `files+web-7d9f@127.0.0.1:${join(work, 'up\\ copy.txt')}`]);
    expect(up.code, up.stderr).toBe(0);
    expect(readFileSync(join(work, 'up copy.txt'), 'utf8')).toBe('spaced\n');
    const down = await runClient('/usr/bin/scp', [...opts, `files+web-7d9f@127.0.0.1:${join(work, 'up\\ copy.txt')}`, join(work, 'down.txt')]);
    expect(down.code, down.stderr).toBe(0);
    expect(readFileSync(join(work, 'down.txt'), 'utf8')).toBe('spaced\n');
  }, 60_000);

  it('the audit shows each smuggling attempt denied as a command, and no session started for one', () => {
    const logs = pg.logs();
    const denied = logs.filter((l) => l['code'] === 'SESSION_DENIED' && l['user'] === 'files');
    expect(denied.length).toBeGreaterThanOrEqual(9);
    expect(denied.every((l) => l['action'] === 'exec' && l['errorCode'] === 'POLICY_DENIED')).toBe(true);
    const started = logs.filter((l) => l['code'] === 'SESSION_START' && l['user'] === 'files');
    expect(started.every((l) => l['action'] === 'scp' && /^scp -[tf] /.test(String(l['command'])))).toBe(true);
  });
});
