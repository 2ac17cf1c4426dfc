/**
 * Keys and OpenSSH user certificates as OpenSSH's sshd treats them, proven with certificates
 * made by the real `ssh-keygen` and logins by the real `ssh` (the user-certificate cases of
 * OpenSSH's regress/cert-userkey.sh that apply), the PTY and forwarding restrictions of
 * certificate extensions, and a crafted client that names ssh-ed25519 for an RSA key.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { fingerprintOf } from '../src/auth/authorized-keys.ts';
import { blobOf, makeCertDir, type CertDir, type KeyType } from './helpers/certs.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { runClient, ssh, waitFor, type SshResult } from './helpers/ssh.ts';
import { background, freePort, stopAllBackground, waitListening } from './forward-helpers.ts';

let emu: Emulator;
let pg: Podgate;
let certs: CertDir;
let ca: string;
let otherCa: string;
let aliceRsa: string;
let aliceEcdsa: string;

beforeAll(async () => {
  certs = makeCertDir();
  [ca, otherCa, aliceRsa, aliceEcdsa] = await Promise.all([certs.key('ca'), certs.key('other-ca'), certs.key('alice-rsa', 'rsa'), certs.key('alice-ecdsa', 'ecdsa')]);
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({
    emulator: emu,
    configPatch: {
      userCAs: [readFileSync(`${ca}.pub`, 'utf8').trim()],
      users: [
        { name: 'alice', publicKeys: [aliceRsa, aliceEcdsa].map((k) => readFileSync(`${k}.pub`, 'utf8').trim()), kubernetes: { user: 'alice', groups: ['dev'] } },
        { name: 'bob', publicKeys: [], kubernetes: { user: 'bob', groups: ['ops'] } },
      ],
    },
  });
}, 90_000);

afterAll(async () => {
  await stopAllBackground();
  await pg?.stop();
  await emu?.close();
  certs?.cleanup();
});

let n = 0;
/** A fresh key of `type` with a certificate `ssh-keygen -s CA ...opts` (CA: the trusted one). */
async function certified(opts: string[], type: KeyType = 'ed25519', signer = ca): Promise<string> {
  const key = await certs.key(`user-${type}-${++n}`, type);
  await certs.sign(signer, key, opts);
  return key;
}

function loginWith(key: string, sshUser: string, args: string[], extra: string[] = [], o: { tty?: boolean; input?: string } = {}): Promise<SshResult> {
  return ssh(pg, sshUser, args, { key, ...o, extraArgs: ['-o', `CertificateFile=${key}-cert.pub`, ...extra] });
}

/** The audit of the last attempt with the certificate `keyId` (podgate's log arrives on its own time). */
const lastAuth = (keyId: string) => waitFor(() => pg.logs().filter((l) => l['code'] === 'AUTH_ATTEMPT' && (l['certificate'] as { keyId?: string } | undefined)?.keyId === keyId).at(-1), `AUTH_ATTEMPT of ${keyId}`);

describe('OpenSSH logs in with ssh-keygen certificates', () => {
  it.each([
    ['ed25519', []],
    ['ecdsa', []],
    ['rsa', []],
    ['rsa', ['-o', 'PubkeyAcceptedAlgorithms=rsa-sha2-256-cert-v01@openssh.com,rsa-sha2-256']],
  ] as [KeyType, string[]][])('%s key %j', async (type, extra) => {
    const key = await certified(['-n', 'alice', '-V', '-1w:+2w'], type);
    const r = await loginWith(key, 'alice+web-7d9f', ['echo cert-login-ok'], extra);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('cert-login-ok\n');
    expect(await lastAuth(`id-${key.split('/').pop()}`)).toMatchObject({ result: 'accepted', reason: 'ok-certificate' });
  });

  it('the SHA-1 certificate algorithm ssh-rsa-cert-v01 gets no login', async () => {
    // server-sig-algs leaves ssh-rsa out, so OpenSSH does not even try; podgate refuses such a
    // signature anyway (reason sha1-rsa: src/auth/certificate.test.ts).
    const key = await certified(['-n', 'alice'], 'rsa');
    const r = await loginWith(key, 'alice+web-7d9f', ['echo no'], ['-v', '-o', 'PubkeyAcceptedAlgorithms=ssh-rsa-cert-v01@openssh.com,ssh-rsa']);
    expect(r.code).toBe(255);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(/no mutual signature algorithm/);
    expect(pg.logs().filter((l) => l['code'] === 'AUTH_ATTEMPT' && l['result'] === 'accepted' && (l['certificate'] as { keyId?: string } | undefined)?.keyId === `id-${key.split('/').pop()}`)).toEqual([]);
  });
});

describe('the user-certificate cases of OpenSSH regress/cert-userkey.sh', () => {
  const cases: [string, string[], string, string?][] = [
    ['correct principal and "*"', ['-n', 'alice,*'], 'accepted'],
    ['wrong principals', ['-n', 'foo,*'], 'wrong-principal'],
    ['principal of another user', ['-n', 'bob'], 'wrong-principal'],
    ['empty principals', [], 'no-principals'],
    ['cert not yet valid', ['-n', 'alice', '-V', '20300101:20320101'], 'not-yet-valid'],
    ['cert expired', ['-n', 'alice', '-V', '19800101:19900101'], 'expired'],
    ['cert valid interval', ['-n', 'alice', '-V', '-1w:+2w'], 'accepted'],
    ['wrong source-address', ['-n', 'alice', '-O', 'source-address=10.0.0.0/8'], 'source-address'],
    ['right source-address', ['-n', 'alice', '-O', 'source-address=10.0.0.0/8,127.0.0.1/32'], 'accepted'],
    ['force-command (refused, not honoured)', ['-n', 'alice', '-O', 'force-command=false'], 'unsupported-critical-option: force-command'],
    ['wrong CA', ['-n', 'alice'], 'untrusted-ca', 'other'],
  ];
  it.each(cases)('%s', async (_name, opts, expected, signer) => {
    const key = await certified(opts, 'ed25519', signer === 'other' ? otherCa : ca);
    const r = await loginWith(key, 'alice+web-7d9f', ['echo in']);
    if (expected === 'accepted') {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.toString()).toBe('in\n');
      return;
    }
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
    expect(r.stdout.length).toBe(0);
    expect(await lastAuth(`id-${key.split('/').pop()}`)).toMatchObject({ result: 'rejected', reason: expected });
  });
});

describe('certificate extensions restrict the session as in OpenSSH', () => {
  it('without permit-pty (-O clear, -O no-pty) a PTY request is refused; -T still runs the command', async () => {
    for (const opts of [['-O', 'clear'], ['-O', 'no-pty']]) {
      const key = await certified(['-n', 'alice', ...opts]);
      // `ssh -tt` treats a refused PTY as fatal, against sshd just the same.
      const r = await loginWith(key, 'alice+web-7d9f', ['test -t 0 && echo tty-yes || echo tty-no'], [], { tty: true });
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/PTY allocation request failed/);
      expect(r.stdout.length).toBe(0);
      const t = await loginWith(key, 'alice+web-7d9f', ['test -t 0 && echo tty-yes || echo tty-no'], ['-T']);
      expect(t.code, t.stderr).toBe(0);
      expect(t.stdout.toString()).toBe('tty-no\n');
    }
    const withPty = await certified(['-n', 'alice', '-O', 'clear', '-O', 'permit-pty']);
    const r = await loginWith(withPty, 'alice+web-7d9f', ['test -t 0 && echo tty-yes || echo tty-no'], [], { tty: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toMatch(/^tty-yes\r?\n$/);
  });

  it('without permit-port-forwarding no direct-tcpip (ssh -W); with it, forwarding works', async () => {
    const http = 'GET / HTTP/1.0\r\n\r\n';
    const target = 'alice+web-5d4c8b-x2k9p.prod';
    const denied = await certified(['-n', 'alice', '-O', 'clear', '-O', 'permit-pty']);
    const r1 = await loginWith(denied, target, [], ['-W', 'localhost:8080'], { input: http });
    expect(r1.code).toBe(255);
    expect(r1.stderr).toMatch(/stdio forwarding failed|administratively prohibited/);
    expect(r1.stdout.toString()).not.toMatch(/hello from/);
    const allowed = await certified(['-n', 'alice', '-O', 'clear', '-O', 'permit-port-forwarding']);
    const lport = await freePort();
    const fwd = background({ port: pg.port, keyFor: () => allowed }, target, ['-o', `CertificateFile=${allowed}-cert.pub`, '-L', `127.0.0.1:${lport}:localhost:8080`]);
    await waitListening(lport);
    const r2 = await runClient('curl', ['-sS', '--max-time', '30', `http://127.0.0.1:${lport}/`]);
    expect(r2.code, `${r2.stderr} ${fwd.stderr()}`).toBe(0);
    expect(r2.stdout.toString()).toBe('hello from web-5d4c8b-x2k9p\n');
    await fwd.stop();
  });
});

describe('certificate restrictions through the jump form (ssh -J)', () => {
  /** ssh_config: the bastion hop logs in with `outerKey`'s certificate, the pod hop with alice's plain RSA key. */
  function jumpConfig(outerKey: string): string {
    const common = ['StrictHostKeyChecking no', 'UserKnownHostsFile /dev/null', 'BatchMode yes', 'LogLevel ERROR', 'User alice', 'IdentitiesOnly yes'];
    const path = `${outerKey}.ssh_config`;
    writeFileSync(path, [
      'Host bastion', '  HostName 127.0.0.1', `  Port ${pg.port}`, `  IdentityFile ${outerKey}`, `  CertificateFile ${outerKey}-cert.pub`, ...common.map((c) => `  ${c}`),
      'Host *.default', '  ProxyJump bastion', `  IdentityFile ${aliceRsa}`, ...common.map((c) => `  ${c}`), '',
    ].join('\n'));
    return path;
  }

  it('no permit-port-forwarding: no jump; no permit-pty on the outer login: no PTY on the inner one either', async () => {
    const noForward = await certified(['-n', 'alice', '-O', 'clear', '-O', 'permit-pty']);
    const r1 = await runClient('/usr/bin/ssh', ['-F', jumpConfig(noForward), 'web-7d9f.default', 'echo jumped']);
    expect(r1.code).toBe(255);
    expect(r1.stdout.toString()).not.toMatch(/jumped/);
    const noPty = await certified(['-n', 'alice', '-O', 'clear', '-O', 'permit-port-forwarding']);
    const cfg = jumpConfig(noPty);
    const r2 = await runClient('/usr/bin/ssh', ['-F', cfg, 'web-7d9f.default', 'echo jumped']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout.toString()).toBe('jumped\n');
    const r3 = await runClient('/usr/bin/ssh', ['-F', cfg, '-tt', 'web-7d9f.default', 'echo jumped']);
    expect(r3.code).toBe(255);
    expect(r3.stderr).toMatch(/PTY allocation request failed/);
    // The same jump with a certificate that keeps permit-pty gets its PTY.
    const full = await certified(['-n', 'alice']);
    const r4 = await runClient('/usr/bin/ssh', ['-F', jumpConfig(full), '-tt', 'web-7d9f.default', 'test -t 0 && echo tty-yes']);
    expect(r4.code, r4.stderr).toBe(0);
    expect(r4.stdout.toString()).toMatch(/^tty-yes\r?\n$/);
  });

  it('the nested (pod) hop announces the same server-sig-algs: the RSA key signs with rsa-sha2-512', async () => {
    const full = await certified(['-n', 'alice']);
    const r = await runClient('/usr/bin/ssh', ['-F', jumpConfig(full), '-vvv', 'web-7d9f.default', 'echo jumped']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('jumped\n');
    // The pod hop runs in this ssh process, the bastion hop in its ProxyJump child (same stderr).
    expect(r.stderr).toContain(`signing using rsa-sha2-512 ${fingerprintOf(blobOf(`${aliceRsa}.pub`))}`);
    expect(r.stderr).not.toMatch(/server-sig-algs=<[^>]*(ssh-rsa|ssh-dss|nistp521rsa)/);
  });
});

/**
 * ssh2's client with its USERAUTH_REQUEST rewritten: the algorithm field says `ssh-ed25519`
 * while the key blob is alice's RSA key and the signature is RSA with SHA-1 (ssh2's default).
 */
function confusedLogin(user: string, rsaPrivate: string): Promise<{ ok: boolean; err?: string }> {
  return new Promise((resolve) => {
    const rsa = ssh2.utils.parseKey(rsaPrivate) as ssh2.ParsedKey;
    const c = new ssh2.Client();
    c.on('ready', () => { c.end(); resolve({ ok: true }); });
    c.on('error', (e) => resolve({ ok: false, err: e.message }));
    c.connect({ host: '127.0.0.1', port: pg.port, username: user, privateKey: rsaPrivate, readyTimeout: 30_000 });
    type Sign = (buf: Buffer, cb: (sig: Buffer) => void) => void;
    const proto = (c as unknown as { _protocol: { authPK(u: string, k: unknown, a?: string, s?: Sign): void } })._protocol;
    const authPK = proto.authPK.bind(proto);
    proto.authPK = (u, k, _algo, sign) => authPK(u, k, 'ssh-ed25519', sign && ((buf, cb) => cb(rsa.sign(buf))));
  });
}

describe('plain keys', () => {
  it('RSA (rsa-sha2-256, not ssh-rsa) and ECDSA keys log in with OpenSSH', async () => {
    const r = await ssh(pg, 'alice+web-7d9f', ['echo rsa-ok'], { key: aliceRsa, extraArgs: ['-o', 'PubkeyAcceptedAlgorithms=rsa-sha2-256'] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('rsa-ok\n');
    const sha1 = await ssh(pg, 'alice+web-7d9f', ['echo no'], { key: aliceRsa, extraArgs: ['-o', 'PubkeyAcceptedAlgorithms=ssh-rsa'] });
    expect(sha1.code).toBe(255);
    const e = await ssh(pg, 'alice+web-7d9f', ['echo ecdsa-ok'], { key: aliceEcdsa });
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout.toString()).toBe('ecdsa-ok\n');
  });

  it('server-sig-algs names exactly the accepted algorithms, so OpenSSH signs with rsa-sha2-512', async () => {
    // ssh2 1.17 alone sends `...nistp521rsa-sha2-512,rsa-sha2-256,ssh-rsa,ssh-dss` (a missing
    // comma), and OpenSSH falls back to rsa-sha2-256 (src/ssh/ext-info.ts).
    const r = await ssh(pg, 'alice+web-7d9f', ['echo rsa512-ok'], { key: aliceRsa, extraArgs: ['-vvv'] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('rsa512-ok\n');
    expect(r.stderr).toContain('server-sig-algs=<ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256>');
    expect(r.stderr).toMatch(/signing using rsa-sha2-512 SHA256:/);
    expect(r.stderr).toMatch(/Authenticated to 127\.0\.0\.1 .*using "publickey"/);
  });

  it('an RSA certificate is signed with rsa-sha2-512 too', async () => {
    const key = await certified(['-n', 'alice'], 'rsa');
    const r = await loginWith(key, 'alice+web-7d9f', ['echo cert512-ok'], ['-vvv']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('cert512-ok\n');
    expect(r.stderr).toMatch(/signing using rsa-sha2-512-cert-v01@openssh\.com SHA256:/);
    expect(await lastAuth(`id-${key.split('/').pop()}`)).toMatchObject({ result: 'accepted', reason: 'ok-certificate' });
  });
});

const acceptedWith = (fingerprint: string): number => pg.logs().filter((l) => l['code'] === 'AUTH_ATTEMPT' && l['result'] === 'accepted' && l['fingerprint'] === fingerprint).length;

describe('key-type confusion', () => {
  it('a request naming ssh-ed25519 with an RSA key and a SHA-1 signature is refused', async () => {
    // The same key, named honestly (rsa-sha2-*), logs in: only the confusion is refused.
    const rsaFingerprint = fingerprintOf(blobOf(`${aliceRsa}.pub`));
    const honestBefore = acceptedWith(rsaFingerprint);
    const honest = await ssh(pg, 'alice+web-7d9f', ['echo honest'], { key: aliceRsa });
    expect(honest.code, honest.stderr).toBe(0);
    await waitFor(() => acceptedWith(rsaFingerprint) > honestBefore, 'honest login audit');
    const before = pg.logs().length;
    const r = await confusedLogin('alice', readFileSync(aliceRsa, 'utf8'));
    expect(r).toMatchObject({ ok: false, err: expect.stringMatching(/authentication methods failed/) });
    await waitFor(() => pg.logs().slice(before).find((l) => l['code'] === 'AUTH_ATTEMPT' && l['user'] === 'alice' && l['reason'] === 'key-type-mismatch'), 'key-type-mismatch audit');
    expect(pg.logs().slice(before).filter((l) => l['code'] === 'AUTH_ATTEMPT' && l['result'] === 'accepted' && l['fingerprint'] === rsaFingerprint)).toEqual([]);
  });
});
