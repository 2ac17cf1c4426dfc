/**
 * Other SSH implementations against podgate, as they work against sshd: PuTTY (plink, pscp,
 * psftp), Dropbear's dbclient, curl (libssh2), rclone, paramiko, asyncssh and Go's
 * x/crypto/ssh. Each runs a command, a command under a PTY with its input already at EOF (the
 * output must still arrive), and moves a file up and back down, as far as the client can.
 * One bastion serves them all, with the host keys `podgate keygen` writes (ed25519 and RSA).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useKeygenBastion } from './helpers/clients/bastion.ts';
import type { ClientContext, ClientDriver } from './helpers/clients/driver.ts';
import { goDriver, pythonDrivers } from './helpers/clients/libraries.ts';
import { curlDrivers, dropbearDriver, puttyDrivers, rcloneDriver, type RcloneDriver } from './helpers/clients/native.ts';
import { runClient, ssh, waitFor } from './helpers/ssh.ts';

const bastion = useKeygenBastion();
const drivers: ClientDriver[] = [];
let rclone: RcloneDriver;
let work: string;
const remoteDir = `/tmp/podgate-clients-${process.pid}-${randomBytes(4).toString('hex')}`;
const USER = 'alice+web-7d9f';
// What each client can do (the drivers are built in beforeAll; the tests are listed now).
const CLIENTS: { name: string; can: ('exec' | 'pty' | 'files')[] }[] = [
  { name: 'plink', can: ['exec', 'pty'] },
  { name: 'pscp', can: ['files'] },
  { name: 'psftp', can: ['files'] },
  { name: 'dbclient', can: ['exec', 'pty', 'files'] },
  { name: 'curl sftp://', can: ['files'] },
  { name: 'curl scp://', can: ['files'] },
  { name: 'rclone sftp', can: ['files'] },
  { name: 'paramiko', can: ['exec', 'pty', 'files'] },
  { name: 'asyncssh', can: ['exec', 'pty', 'files'] },
  { name: 'go x/crypto/ssh', can: ['exec', 'pty', 'files'] },
];
const NAMES = CLIENTS.map((c) => c.name);
const able = (what: 'exec' | 'pty' | 'files'): string[] => CLIENTS.filter((c) => c.can.includes(what)).map((c) => c.name);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'podgate-clients-'));
  const c: ClientContext = { port: bastion.pg.port, sshUser: USER, key: bastion.pg.keyFor('alice'), hostKeyDir: bastion.hostKeyDir, work };
  rclone = rcloneDriver(c);
  drivers.push(...await puttyDrivers(c), await dropbearDriver(c), ...await curlDrivers(c), rclone, ...pythonDrivers(c), await goDriver(c));
  expect(drivers.map((d) => d.name)).toEqual(NAMES);
  const mk = await ssh(bastion.pg, USER, [`mkdir -p ${remoteDir}`]);
  expect(mk.code, mk.stderr).toBe(0);
}, 240_000);

afterAll(async () => {
  if (bastion.pg) await ssh(bastion.pg, USER, [`rm -rf ${remoteDir}`]);
  if (work) rmSync(work, { recursive: true, force: true });
});

const driver = (name: string): ClientDriver => drivers.find((d) => d.name === name)!;
const text = (b: Buffer): string => b.toString('utf8').replace(/\r/g, '');

describe('every client', () => {
  it.each(able('exec'))('%s runs a command: stdout, stderr and the exit status come back apart', async (name) => {
    const r = await driver(name).exec!('echo out-$((6*7)); echo err-line >&2; exit 7');
    expect(text(r.stdout), r.stderr).toBe('out-42\n');
    expect(r.stderr).toContain('err-line');
    expect(r.code).toBe(7);
  });

  it.each(able('pty'))('%s runs a command under a PTY; its output survives the client EOF', async (name) => {
    const r = await driver(name).pty!('test -t 0 && echo tty-yes; echo a; sleep 0.5; echo b; exit 6');
    // The PTY echoes what a client's terminal sends (dbclient under `script` sometimes a NUL,
    // shown as ^@), as sshd's would: the output itself must all be there, in order.
    expect(text(r.stdout).replace(/\^[@D]/g, ''), r.stderr).toMatch(/tty-yes\na\nb\n$/);
    expect(r.code).toBe(6);
  });

  it.each(able('files'))('%s uploads a binary file and downloads it unchanged', async (name) => {
    const d = driver(name);
    const slug = name.replace(/[^a-z0-9]+/gi, '-');
    const data = randomBytes(300 * 1024 + 17);
    const local = join(work, `${slug}-up.bin`);
    const back = join(work, `${slug}-down.bin`);
    writeFileSync(local, data);
    const up = await d.put!(local, `${remoteDir}/${slug}.bin`);
    expect(up.code, `${String(up.stderr)}${String(up.stdout)}`).toBe(0);
    const down = await d.get!(`${remoteDir}/${slug}.bin`, back);
    expect(down.code, `${String(down.stderr)}${String(down.stdout)}`).toBe(0);
    expect(readFileSync(back).equals(data)).toBe(true);
  });
});

describe('OpenSSH ssh -tt with its input at EOF (as sshd: EOF does not cut a PTY)', () => {
  it('ssh -tt cmd </dev/null prints the output and the exit status', async () => {
    const r = await ssh(bastion.pg, USER, ['echo a; sleep 0.3; echo b; exit 5'], { tty: true });
    expect(text(r.stdout), r.stderr).toBe('a\nb\n');
    expect(r.code).toBe(5);
  });

  it('printf … | ssh -tt: the input reaches the PTY and the output comes back', async () => {
    const r = await ssh(bastion.pg, USER, ['read x; echo got=$x; sleep 0.3; echo done'], { tty: true, input: 'hello\n' });
    expect(text(r.stdout), r.stderr).toMatch(/got=hello\ndone\n$/);
    expect(r.code).toBe(0);
  });
});

describe('rclone extras', () => {
  it('md5sum runs over an exec channel and matches the local hash', async () => {
    const data = Buffer.from(`rclone-hash-${randomBytes(8).toString('hex')}\n`);
    const local = join(work, 'rclone-hash.txt');
    writeFileSync(local, data);
    expect((await rclone.put!(local, `${remoteDir}/rclone-hash.txt`)).code).toBe(0);
    const r = await rclone.md5sum(`${remoteDir}/rclone-hash.txt`);
    expect(r.code, r.stderr).toBe(0);
    const { createHash } = await import('node:crypto');
    expect(r.stdout.toString()).toBe(`${createHash('md5').update(data).digest('hex')}  rclone-hash.txt\n`);
  });
});

describe('algorithms', () => {
  // The two warnings podgate keeps: ssh-audit 2.5 predates the strict-kex marker (Terrapin
  // fix, cannot be left out), and hmac-sha2-256 is the only MAC Dropbear and libssh2 share with
  // podgate (they have no -etm MAC).
  const ALLOWED_WARNINGS = [/^\(kex\) kex-strict-s-v00@openssh\.com\s+-- \[warn\] unknown algorithm$/, /^\(mac\) hmac-sha2-256\s+-- \[warn\] using encrypt-and-MAC mode$/];

  it('ssh-audit finds no failure and only the two documented warnings (keygen default keys)', async () => {
    const r = await runClient('ssh-audit', ['-n', '-p', String(bastion.pg.port), '127.0.0.1']);
    const out = r.stdout.toString();
    const findings = out.split('\n').filter((l) => /\[(fail|warn)\]/.test(l)).map((l) => l.trim());
    expect(findings.filter((l) => !ALLOWED_WARNINGS.some((re) => re.test(l))), out).toEqual([]);
    expect(findings, out).toHaveLength(2);
    expect(out).toMatch(/\(key\) rsa-sha2-512 \(3072-bit\)/);
    expect(out).not.toMatch(/\(key\) ssh-rsa/);
  }, 60_000);

  it('offers no SHA-1 RSA host-key signature, and RSA with SHA-2 works', async () => {
    const sha1 = await ssh(bastion.pg, USER, ['true'], { extraArgs: ['-o', 'HostKeyAlgorithms=ssh-rsa'] });
    expect(sha1.code).toBe(255);
    const ev = await waitFor(() => bastion.pg.logs().find((l) => l['code'] === 'SSH_NEGOTIATION_FAILED' && l['category'] === 'hostKey'), 'SSH_NEGOTIATION_FAILED hostKey');
    expect(ev).toMatchObject({ clientOffer: ['ssh-rsa'], serverOffer: ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256'] });
    const sha2 = await ssh(bastion.pg, USER, ['echo rsa-ok'], { extraArgs: ['-o', 'HostKeyAlgorithms=rsa-sha2-256'] });
    expect(sha2.stdout.toString(), sha2.stderr).toBe('rsa-ok\n');
  });

  it.each([
    ['cipher', ['-c', 'aes256-cbc'], ['aes256-cbc'], 'aes128-gcm@openssh.com'],
    ['mac', ['-c', 'aes128-ctr', '-m', 'hmac-sha1'], ['hmac-sha1'], 'hmac-sha2-256-etm@openssh.com'],
    ['kex', ['-o', 'KexAlgorithms=diffie-hellman-group14-sha1'], ['diffie-hellman-group14-sha1'], 'curve25519-sha256'],
  ])('a failed %s negotiation is logged with both offers, as sshd does', async (category, args, theirs, ours) => {
    const r = await ssh(bastion.pg, USER, ['true'], { extraArgs: args });
    expect(r.code).toBe(255);
    const ev = await waitFor(() => bastion.pg.logs().find((l) => l['code'] === 'SSH_NEGOTIATION_FAILED' && l['category'] === category), `SSH_NEGOTIATION_FAILED ${category}`);
    expect(ev).toMatchObject({ level: 'warn', remoteAddress: '127.0.0.1', clientOffer: expect.arrayContaining(theirs) });
    expect(ev['clientVersion']).toMatch(/^SSH-2\.0-OpenSSH_/);
    expect(ev['serverOffer']).toContain(ours);
    expect(ev['msg']).toMatch(new RegExp(`^Unable to negotiate with 127\\.0\\.0\\.1 port \\d+: no matching .* found\\. Their offer: ${theirs[0]}`));
  });

  // Racy by nature, so retried: the inner client also sees there is no common cipher and exits;
  // when its jump channel closes before the pre-auth door has handed the nested stream to ssh2
  // (the door may queue it under load), the server never reads the client's KEXINIT and there is
  // nothing to log. Seen once in a full run, never alone.
  it('a nested (jump) connection that cannot agree is logged with the client offer too', { retry: 2 }, async () => {
    const common = ['StrictHostKeyChecking no', 'UserKnownHostsFile /dev/null', 'BatchMode yes', 'LogLevel ERROR', 'User alice',
      `IdentityFile ${bastion.pg.keyFor('alice')}`, 'IdentitiesOnly yes'].map((o) => `  ${o}`);
    const cfg = join(work, 'ssh_config_jump');
    writeFileSync(cfg, ['Host bastion', '  HostName 127.0.0.1', `  Port ${bastion.pg.port}`, ...common,
      'Host web-7d9f.default', '  ProxyJump bastion', '  Ciphers aes192-cbc', ...common, ''].join('\n'));
    const r = await runClient('/usr/bin/ssh', ['-F', cfg, 'web-7d9f.default', 'true']);
    expect(r.code).toBe(255);
    const ev = await waitFor(() => bastion.pg.logs().find((l) => l['code'] === 'SSH_NEGOTIATION_FAILED' && (l['clientOffer'] as string[] | null)?.[0] === 'aes192-cbc'), 'nested SSH_NEGOTIATION_FAILED');
    expect(ev).toMatchObject({ category: 'cipher', remoteAddress: '127.0.0.1', clientOffer: ['aes192-cbc'] });
    expect(ev['clientVersion']).toMatch(/^SSH-2\.0-OpenSSH_/);
  });
});
