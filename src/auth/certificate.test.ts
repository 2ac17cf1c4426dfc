import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { craftCertificate, optionValue } from '../../test/helpers/certs.ts';
import { parseCertificate } from './certificate-parse.ts';
import { checkUserCertificate } from './certificate.ts';
import { PublicKeyAuthenticator } from './public-key-auth.ts';
import { sshStrings } from './ssh-buffer.ts';

const require = createRequire(import.meta.url);
/** ssh2's converter from OpenSSL (DER) to SSH signatures, as its client uses. */
const { convertSignature } = require('ssh2/lib/protocol/utils.js') as { convertSignature: (sig: Buffer, type: string) => Buffer };

const dir = mkdtempSync(join(tmpdir(), 'podgate-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name: string, type: 'ed25519' | 'rsa' | 'ecdsa' | 'dsa' = 'ed25519'): string {
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : type === 'ecdsa' && name.includes('ca') ? ['-b', '384'] : []), '-N', '', '-C', name, '-f', join(dir, name)]);
  return join(dir, name);
}
/** Signs name.pub with the CA; returns the certificate blob. */
function sign(ca: string, key: string, opts: string[]): Buffer {
  execFileSync('ssh-keygen', ['-q', '-s', ca, '-I', `id-${key.split('/').pop()}`, ...opts, `${key}.pub`]);
  return Buffer.from(readFileSync(`${key}-cert.pub`, 'utf8').split(' ')[1], 'base64');
}
function attempt(user: string, key: string, cert: Buffer, sigAlgo = 'ssh-ed25519', certAlgo = 'ssh-ed25519-cert-v01@openssh.com') {
  const priv = ssh2.utils.parseKey(readFileSync(key)) as ssh2.ParsedKey;
  const blob = Buffer.from(`session+request for ${user}`);
  const hash = sigAlgo === 'rsa-sha2-512' ? 'sha512' : sigAlgo === 'rsa-sha2-256' ? 'sha256' : undefined;
  const signature = sshStrings(sigAlgo, convertSignature(priv.sign(blob, hash), priv.type));
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

const clean = (v: { reason: string; accepted: boolean }) => ({ accepted: v.accepted, reason: v.reason });

describe('certificate defects OpenSSH refuses', () => {
  const k = keygen('alice-defects');
  const good = sign(ca, k, ['-n', 'alice', '-O', 'source-address=127.0.0.1']);
  const base = parseCertificate(good);

  it('trailing bytes after the CA signature', () => {
    expect(clean(auth.check(attempt('alice', k, good)))).toEqual({ accepted: true, reason: 'ok-certificate' });
    const r = auth.check(attempt('alice', k, Buffer.concat([good, Buffer.from([0, 0, 0, 0])])));
    expect(r).toMatchObject({ accepted: false, reason: 'bad-certificate: trailing bytes after the signature' });
  });

  it('duplicate critical options, unknown critical options, corrupt option data', () => {
    const twice = craftCertificate(base, ca, { critical: [['source-address', optionValue('127.0.0.1')], ['source-address', optionValue('127.0.0.0/8')]] });
    expect(auth.check(attempt('alice', k, twice))).toMatchObject({ accepted: false, reason: 'bad-certificate: duplicate critical option "source-address"' });
    const unknown = craftCertificate(base, ca, { critical: [['made-up@example.com', Buffer.alloc(0)]] });
    expect(auth.check(attempt('alice', k, unknown))).toMatchObject({ accepted: false, reason: 'unsupported-critical-option: made-up@example.com' });
    const extra = craftCertificate(base, ca, { critical: [['source-address', Buffer.concat([optionValue('127.0.0.1'), Buffer.from('x')])]] });
    expect(auth.check(attempt('alice', k, extra))).toMatchObject({ accepted: false, reason: expect.stringMatching(/extra data/) });
    const flagData = craftCertificate(base, ca, { critical: [], extensions: [['permit-pty', optionValue('yes')]] });
    expect(auth.check(attempt('alice', k, flagData))).toMatchObject({ accepted: false, reason: expect.stringMatching(/permit-pty.*extra data/) });
    // The crafted certificates are otherwise valid: the same craft without the defect passes.
    expect(clean(auth.check(attempt('alice', k, craftCertificate(base, ca, {}))))).toEqual({ accepted: true, reason: 'ok-certificate' });
  });

  it('an unparseable source-address entry refuses the certificate (it is not skipped)', () => {
    for (const list of ['bastion.example.com,127.0.0.1', '127.0.0.1,', '127.0.0.1/33', '10.0.0.1/8,127.0.0.1', '127.0.0.1 ', '']) {
      const cert = craftCertificate(base, ca, { critical: [['source-address', optionValue(list)]] });
      expect(auth.check(attempt('alice', k, cert)), list).toMatchObject({ accepted: false, reason: 'bad-source-address' });
    }
    for (const list of ['127.0.0.1', '10.0.0.0/8,127.0.0.0/8', '::1,127.0.0.1/32', '0.0.0.0/0']) {
      const cert = craftCertificate(base, ca, { critical: [['source-address', optionValue(list)]] });
      expect(auth.check(attempt('alice', k, cert)), list).toMatchObject({ accepted: true });
    }
  });

  it('a certificate as CA, a DSA CA, a SHA-1 RSA CA signature', () => {
    const caCert = sign(ca, keygen('ca-as-cert'), ['-n', 'alice']);
    const byCert = craftCertificate(base, ca, { signatureKey: caCert });
    expect(checkUserCertificate(byCert, 'alice', [caCert], '127.0.0.1')).toMatchObject({ ok: false, reason: 'ca-is-certificate' });
    const dsaCa = keygen('dsa-ca', 'dsa');
    const byDsa = sign(dsaCa, k, ['-n', 'alice']);
    expect(checkUserCertificate(byDsa, 'alice', [parseCertificate(byDsa).signatureKey], '127.0.0.1')).toMatchObject({ ok: false, reason: 'unsupported-ca-key: dsa-refused' });
    expect(auth.check(attempt('alice', k, sign(rsaCa, k, ['-n', 'alice', '-t', 'ssh-rsa'])))).toMatchObject({ accepted: false, reason: 'ca-signature-algorithm: sha1-rsa' });
    expect(auth.check(attempt('alice', k, sign(rsaCa, k, ['-n', 'alice', '-t', 'rsa-sha2-256'])))).toMatchObject({ accepted: true });
  });

  it('empty principals and a literal "*" principal match nobody', () => {
    expect(auth.check(attempt('alice', k, sign(ca, k, []), undefined))).toMatchObject({ accepted: false, reason: 'no-principals' });
    expect(auth.check(attempt('alice', k, sign(ca, k, ['-n', 'foo,*'])))).toMatchObject({ accepted: false, reason: 'wrong-principal' });
    expect(auth.check(attempt('alice', k, sign(ca, k, ['-n', 'alice,*'])))).toMatchObject({ accepted: true });
  });

  it('validity windows as OpenSSH\'s own tests write them', () => {
    expect(auth.check(attempt('alice', k, sign(ca, k, ['-n', 'alice', '-V', '20300101:20320101'])))).toMatchObject({ accepted: false, reason: 'not-yet-valid' });
    expect(auth.check(attempt('alice', k, sign(ca, k, ['-n', 'alice', '-V', '19800101:19900101'])))).toMatchObject({ accepted: false, reason: 'expired' });
    expect(auth.check(attempt('alice', k, sign(ca, k, ['-n', 'alice', '-V', '-1w:+2w'])))).toMatchObject({ accepted: true });
  });
});

describe('certificate key types and algorithm names', () => {
  it('ecdsa certificates; the algorithm name must be the blob\'s type; no ssh-rsa certificate algorithm', () => {
    const e = keygen('alice-ecdsa', 'ecdsa');
    const cert = sign(ca, e, ['-n', 'alice']);
    expect(auth.check(attempt('alice', e, cert, 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256-cert-v01@openssh.com'))).toMatchObject({ accepted: true, reason: 'ok-certificate' });
    expect(auth.check(attempt('alice', e, cert, 'ecdsa-sha2-nistp256', 'ssh-ed25519-cert-v01@openssh.com'))).toMatchObject({ accepted: false, reason: 'key-type-mismatch' });
    const r = keygen('alice-rsa2', 'rsa');
    const rc = sign(ca, r, ['-n', 'alice']);
    expect(auth.check(attempt('alice', r, rc, 'rsa-sha2-256', 'rsa-sha2-256-cert-v01@openssh.com'))).toMatchObject({ accepted: true });
    expect(auth.check(attempt('alice', r, rc, 'ssh-rsa', 'ssh-rsa-cert-v01@openssh.com'))).toMatchObject({ accepted: false, reason: 'sha1-rsa' });
    // The inner signature algorithm must be the one the request named.
    expect(auth.check(attempt('alice', r, rc, 'rsa-sha2-512', 'rsa-sha2-256-cert-v01@openssh.com'))).toMatchObject({ accepted: false, reason: 'bad-signature' });
  });
});

describe('CA key types', () => {
  it('an ECDSA CA (nistp384) signs certificates podgate accepts', () => {
    const ecCa = keygen('ec-ca', 'ecdsa');
    const k = keygen('alice-ec-ca');
    const cert = sign(ecCa, k, ['-n', 'alice']);
    const caBlob = Buffer.from(readFileSync(`${ecCa}.pub`, 'utf8').split(' ')[1], 'base64');
    expect(checkUserCertificate(cert, 'alice', [caBlob], '127.0.0.1')).toMatchObject({ ok: true });
    const flipped = Buffer.from(cert);
    flipped[flipped.length - 5] ^= 1;
    expect(checkUserCertificate(flipped, 'alice', [caBlob], '127.0.0.1')).toMatchObject({ ok: false, reason: 'bad-ca-signature' });
  });
});

describe('extensions become certRestrictions', () => {
  const k = keygen('alice-ext');
  const restrictions = (opts: string[]) => auth.check(attempt('alice', k, sign(ca, k, ['-n', 'alice', ...opts]))).certRestrictions;
  it('permit-pty and permit-port-forwarding', () => {
    expect(restrictions([])).toEqual({ pty: true, portForwarding: true });
    expect(restrictions(['-O', 'clear'])).toEqual({ pty: false, portForwarding: false });
    expect(restrictions(['-O', 'no-pty'])).toEqual({ pty: false, portForwarding: true });
    expect(restrictions(['-O', 'clear', '-O', 'permit-port-forwarding'])).toEqual({ pty: false, portForwarding: true });
    expect(restrictions(['-O', 'source-address=127.0.0.1/32'])).toEqual({ pty: true, portForwarding: true, sourceAddress: '127.0.0.1/32' });
  });
});
