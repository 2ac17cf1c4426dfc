/**
 * Every failure podgate detects ends the session with one `podgate: ...` line on stderr and
 * exit status 255, and the bastion keeps serving everyone else. Authentication failures
 * (wrong key, another user's key) are refused identically.
 */
import { execFile } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { makeKeyDir, type KeyDir } from './helpers/keys.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh } from './helpers/ssh.ts';

let emu: Emulator;
let pg: Podgate;
let certKeys: KeyDir;
const run = promisify(execFile);

beforeAll(async () => {
  certKeys = makeKeyDir('podgate-ca-');
  const ca = certKeys.generate('user-ca');
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({ emulator: emu, configPatch: { kubernetes: { requestTimeoutMs: 2000 }, userCAs: [ca.publicKey] } });
}, 90_000);

afterAll(async () => {
  await pg?.stop();
  await emu?.close();
  certKeys?.cleanup();
});

/** Runs a session expected to fail: exit 255 and exactly one `podgate:` line on stderr. */
async function failure(user: string, args: string[] = ['true']): Promise<string> {
  const r = await ssh(pg, user, args);
  expect(r.code, `${user}: ${r.stderr}`).toBe(255);
  expect(r.stdout.length).toBe(0);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines.length, r.stderr).toBe(1);
  expect(lines[0]).toMatch(/^podgate: /);
  return lines[0];
}

describe('failures podgate detects', () => {
  it('bad target syntax names the bad part', async () => {
    expect(await failure('alice+Web.prod')).toMatch(/^podgate: invalid target "Web.prod": name "Web"/);
    expect(await failure('alice+web.prod+a+b')).toMatch(/at most one "\+CONTAINER"/);
    expect(await failure('alice+cronjob~x.prod')).toMatch(/unknown kind "cronjob"/);
    expect(await failure(`alice+web.${'n'.repeat(64)}`)).toMatch(/namespace ".*" must be at most 63 characters/);
  });

  it('no API call is made for an invalid target', async () => {
    const before = (await emu.requests()).length;
    await failure('alice+bad_name.prod');
    expect((await emu.requests()).length).toBe(before);
  });

  it('unknown pod, unknown container, pending pod, workload without a ready pod', async () => {
    expect(await failure('alice+nope.prod')).toBe('podgate: pod or workload "nope" not found in namespace "prod"');
    expect(await failure('alice+pod~web.prod')).toBe('podgate: pod "web" not found in namespace "prod"');
    expect(await failure('alice+multi.prod+nope')).toBe('podgate: pod "multi" in namespace "prod" has no container "nope" (containers: sidecar, main)');
    expect(await failure('alice+pending-1.prod')).toBe('podgate: pod "pending-1" in namespace "prod" is Pending, not Running');
    expect(await failure('alice+done-1.prod')).toBe('podgate: pod "done-1" in namespace "prod" is Succeeded, not Running');
    expect(await failure('alice+broken.prod')).toMatch(/^podgate: deployment "broken" in namespace "prod" has no Running and Ready pod/);
  });

  it('RBAC denial says who may not do what', async () => {
    expect(await failure('alice+api-0.staging')).toBe('podgate: alice may not exec into pods in namespace "staging"');
    expect(await failure('carol+web-5d4c8b-x2k9p.prod')).toBe('podgate: carol may not exec into pods in namespace "prod"');
    expect(await failure('mallory+web-7d9f')).toBe('podgate: mallory may not exec into pods in namespace "default"');
    expect(await failure('bob+vault-0.secret')).toBe('podgate: bob may not exec into pods in namespace "secret"');
  });

  it('a user without a target gets the console answer (or a hint when there is no console)', async () => {
    const r = await ssh(pg, 'alice', ['definitely-not-a-console-command-xyz']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^podgate: /);
  });

  it('a slow API server hits the bounded timeout, then the bastion recovers', async () => {
    emu.fault({ latencyMs: 6000 });
    try {
      const started = Date.now();
      expect(await failure('alice+web-7d9f')).toMatch(/^podgate: the Kubernetes API server did not answer in time/);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      emu.fault({ latencyMs: 0 });
    }
    const ok = await ssh(pg, 'alice+web-7d9f', ['echo back']);
    expect(ok.code, ok.stderr).toBe(0);
  }, 60_000);

  it('the bastion keeps serving others while sessions fail', async () => {
    const [bad, good, bad2] = await Promise.all([
      ssh(pg, 'alice+nope.prod', ['true']),
      ssh(pg, 'bob+api-0.staging', ['echo bob-ok']),
      ssh(pg, 'alice+Bad', []),
    ]);
    expect(bad.code).toBe(255);
    expect(bad2.code).toBe(255);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout.toString()).toBe('bob-ok\n');
    expect(pg.logs().filter((l) => l['code'] === 'SESSION_DENIED').length).toBeGreaterThan(5);
  });
});

describe('authentication', () => {
  it('a wrong key and another user\'s key are refused the same way, and audited', async () => {
    const stranger = await ssh(pg, 'alice+web-7d9f', ['true'], { key: pg.strangerKey });
    const bobsKey = await ssh(pg, 'alice+web-7d9f', ['true'], { key: pg.keyFor('bob') });
    const unknownUser = await ssh(pg, 'nobody+web-7d9f', ['true'], { key: pg.keyFor('alice') });
    for (const r of [stranger, bobsKey, unknownUser]) {
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
    }
    expect(stranger.stderr).toBe(bobsKey.stderr.replace(/nobody/g, 'alice'));
    const rejected = pg.logs().filter((l) => l['code'] === 'AUTH_ATTEMPT' && l['result'] === 'rejected');
    expect(rejected.some((l) => l['user'] === 'nobody+web-7d9f' && String(l['fingerprint']).startsWith('SHA256:'))).toBe(true);
  });

  it('alice\'s key never authenticates as bob, whatever the target suffix', async () => {
    for (const user of ['bob', 'bob+api-0.staging', 'bob+alice', 'bob+web-7d9f']) {
      const r = await ssh(pg, user, ['true'], { key: pg.keyFor('alice') });
      expect(r.code, user).toBe(255);
      expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
    }
    const attempts = pg.logs().filter((l) => l['code'] === 'AUTH_ATTEMPT');
    const alicesKey = attempts.find((l) => String(l['user']).startsWith('alice') && l['result'] === 'accepted')!['fingerprint'];
    const asBob = attempts.filter((l) => String(l['user']).startsWith('bob') && l['fingerprint'] === alicesKey);
    expect(asBob.length).toBeGreaterThanOrEqual(4);
    expect(asBob.every((l) => l['result'] === 'rejected')).toBe(true);
  });

  it('an OpenSSH user certificate from the configured CA authenticates its principal only', async () => {
    const key = certKeys.generate('carol-cert-key');
    const ca = join(certKeys.dir, 'user-ca');
    await run('ssh-keygen', ['-q', '-s', ca, '-I', 'carol@laptop', '-n', 'alice', '-V', '-5m:+1h', `${key.privateKeyPath}.pub`]);
    const ok = await ssh(pg, 'alice+web-7d9f', ['echo certified'], { key: key.privateKeyPath });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.toString()).toBe('certified\n');
    const accepted = pg.logs().find((l) => l['code'] === 'AUTH_ATTEMPT' && l['result'] === 'accepted' && (l['certificate'] as { keyId?: string } | undefined)?.keyId === 'carol@laptop');
    expect(accepted).toBeTruthy();
    const asBob = await ssh(pg, 'bob+api-0.staging', ['true'], { key: key.privateKeyPath });
    expect(asBob.code).toBe(255);
    expect(asBob.stderr).toMatch(/Permission denied \(publickey\)/);
    const expired = certKeys.generate('expired-cert-key');
    await run('ssh-keygen', ['-q', '-s', ca, '-I', 'old', '-n', 'alice', '-V', '-2h:-1h', `${expired.privateKeyPath}.pub`]);
    const late = await ssh(pg, 'alice+web-7d9f', ['true'], { key: expired.privateKeyPath });
    expect(late.code).toBe(255);
    expect(pg.logs().some((l) => l['code'] === 'AUTH_ATTEMPT' && l['reason'] === 'expired')).toBe(true);
  });

  it('passwords and keyboard-interactive are never offered', async () => {
    const r = await ssh(pg, 'alice+web-7d9f', ['true'], {
      key: pg.strangerKey,
      extraArgs: ['-o', 'PreferredAuthentications=password,keyboard-interactive', '-o', 'NumberOfPasswordPrompts=1'],
    });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
  });
});

describe('API server unreachable', () => {
  it('a bastion pointed at a closed port answers API_UNREACHABLE with 255', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const down = await startPodgate({
      emulator: {
        writeKubeconfig(path, opts) {
          emu.writeKubeconfig(path, opts);
          writeFileSync(path, readFileSync(path, 'utf8').replace(/server: .*/, `server: https://127.0.0.1:${closed}`));
        },
      },
      configPatch: { kubernetes: { requestTimeoutMs: 2000 } },
    });
    try {
      const r = await ssh(down, 'alice+web-7d9f', ['true']);
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/^podgate: the Kubernetes API server cannot be reached\n$/);
    } finally {
      await down.stop();
    }
  }, 90_000);
});
