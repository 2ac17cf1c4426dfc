import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { PublicKeyAuthenticator } from './public-key-auth.ts';
import { sshStrings } from './ssh-buffer.ts';

const dir = mkdtempSync(join(tmpdir(), 'podgate-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name: string, type: 'ed25519' | 'rsa' | 'ecdsa' = 'ed25519'): string {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', join(dir, name)]);
  return join(dir, name);
}
/** Signs name.pub with the CA; returns the certificate blob. */
function sign(ca: string, key: string, opts: string[]): Buffer {
  execFileSync('ssh-keygen', ['-q', '-s', ca, '-I', `id-${key.split('/').pop()}`, ...opts, `${key}.pub`]);
  return Buffer.from(readFileSync(`${key}-cert.pub`, 'utf8').split(' ')[1]!, 'base64');
}
function attempt(user: string, key: string, cert: Buffer, sigAlgo = 'ssh-ed25519', certAlgo = 'ssh-ed25519-cert-v01@openssh.com') {
  const priv = ssh2.utils.parseKey(readFileSync(key)) as ssh2.ParsedKey;
  const blob = Buffer.from(`session+request for ${user}`);
  const hash = sigAlgo === 'rsa-sha2-512' ? 'sha512' : undefined;
  const signature = sshStrings(sigAlgo, priv.sign(blob, hash as never) as Buffer);
  return { user, key: { algo: certAlgo, data: cert }, blob, signature, remoteAddress: '127.0.0.1' };
}

const ca = keygen('ca');
const rsaCa = keygen('rsa-ca', 'rsa');
const otherCa = keygen('other-ca');
const caLine = readFileSync(`${ca}.pub`, 'utf8');
const auth = new PublicKeyAuthenticator([{ name: 'alice', publicKeys: [] }, { name: 'bob', publicKeys: [] }], () => {}, [caLine, readFileSync(`${rsaCa}.pub`, 'utf8')]);

describe('OpenSSH user certificates', () => {
  it('accepts a valid certificate whose principal is the user, and checks the session signature', () => {
    const k = keygen('alice1');
    const cert = sign(ca, k, ['-n', 'alice', '-V', '-5m:+1h']);
    const a = attempt('alice', k, cert);
    expect(auth.check(a)).toMatchObject({ accepted: true, reason: 'ok-certificate', certificate: { keyId: 'id-alice1' } });
    expect(auth.check({ ...a, signature: undefined })).toMatchObject({ accepted: true, reason: 'key-ok' });
    expect(auth.check({ ...a, blob: Buffer.from('tampered') })).toMatchObject({ accepted: false, reason: 'bad-signature' });
  });

  it('accepts an RSA CA and an RSA user key with rsa-sha2-512', () => {
    const k = keygen('alice-rsa', 'rsa');
    const cert = sign(rsaCa, k, ['-n', 'alice']);
    expect(auth.check(attempt('alice', k, cert, 'rsa-sha2-512', 'rsa-sha2-512-cert-v01@openssh.com'))).toMatchObject({ accepted: true });
  });

  it('refuses wrong principal, expired, not yet valid, untrusted CA, host certificates and unknown critical options', () => {
    const k = keygen('alice2');
    expect(auth.check(attempt('alice', k, sign(ca, k, ['-n', 'bob'])))).toMatchObject({ accepted: false, reason: 'wrong-principal' });
    expect(auth.check(attempt('bob', k, sign(ca, k, ['-n', 'alice'])))).toMatchObject({ accepted: false, reason: 'wrong-principal' });
    expect(auth.check(attempt('alice', k, sign(ca, k, ['-n', 'alice', '-V', '-2h:-1h'])))).toMatchObject({ accepted: false, reason: 'expired' });
    expect(auth.check(attempt('alice', k, sign(ca, k, ['-n', 'alice', '-V', '+1h:+2h'])))).toMatchObject({ accepted: false, reason: 'not-yet-valid' });
    expect(auth.check(attempt('alice', k, sign(otherCa, k, ['-n', 'alice'])))).toMatchObject({ accepted: false, reason: 'untrusted-ca' });
    expect(auth.check(attempt('alice', k, sign(ca, k, ['-n', 'alice', '-h'])))).toMatchObject({ accepted: false, reason: expect.stringMatching(/not a user certificate/) });
    expect(auth.check(attempt('alice', k, sign(ca, k, ['-n', 'alice', '-O', 'force-command=/bin/true'])))).toMatchObject({ accepted: false, reason: 'unsupported-critical-option: force-command' });
    expect(auth.check(attempt('nobody', k, sign(ca, k, ['-n', 'nobody'])))).toMatchObject({ accepted: false, reason: 'unknown-user' });
  });

  it('honours source-address', () => {
    const k = keygen('alice3');
    expect(auth.check(attempt('alice', k, sign(ca, k, ['-n', 'alice', '-O', 'source-address=127.0.0.0/8,::1'])))).toMatchObject({ accepted: true });
    expect(auth.check(attempt('alice', k, sign(ca, k, ['-n', 'alice', '-O', 'source-address=10.0.0.0/8'])))).toMatchObject({ accepted: false, reason: 'source-address' });
  });
});
