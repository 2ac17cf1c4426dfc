import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { AuthorizedKeyError, fingerprintOf, parseAuthorizedKey } from './authorized-keys.ts';
import { PublicKeyAuthenticator } from './public-key-auth.ts';
import { sshStrings } from './ssh-buffer.ts';
import { generateKeyPair } from '../cli/ssh-keypair.ts';

function pair(type: 'ed25519' | 'rsa' = 'ed25519') {
  const p = generateKeyPair(type, 'test', { rsaBits: 2048 });
  const priv = ssh2.utils.parseKey(p.private) as ssh2.ParsedKey;
  return { line: p.public, priv, data: priv.getPublicSSH() };
}

const alice = pair();
const bob = pair();
const rsa = pair('rsa');
const auth = new PublicKeyAuthenticator([
  { name: 'alice', publicKeys: [alice.line, `from="10.0.0.1" ${rsa.line}`] },
  { name: 'bob', publicKeys: [bob.line] },
]);

function signed(p: ReturnType<typeof pair>, user: string, algo: string, hashAlgo?: string) {
  const blob = Buffer.from(`session-id-and-request-${user}`);
  const signature = p.priv.sign(blob, hashAlgo);
  return { user, key: { algo, data: p.data }, blob, signature, ...(hashAlgo ? { hashAlgo } : {}) };
}

describe('PublicKeyAuthenticator', () => {
  it('accepts a key query and a valid signature of the user\'s own key', () => {
    expect(auth.check({ user: 'alice', key: { algo: 'ssh-ed25519', data: alice.data } })).toMatchObject({ accepted: true, reason: 'key-ok' });
    expect(auth.check(signed(alice, 'alice', 'ssh-ed25519'))).toMatchObject({ accepted: true, reason: 'ok', fingerprint: fingerprintOf(alice.data) });
  });

  it('never accepts alice\'s key for bob, and answers an unknown user like a wrong key', () => {
    const asBob = auth.check(signed(alice, 'bob', 'ssh-ed25519'));
    const asNobody = auth.check(signed(alice, 'nobody', 'ssh-ed25519'));
    expect(asBob.accepted).toBe(false);
    expect(asNobody.accepted).toBe(false);
  });

  it('rejects a signature that does not verify', () => {
    const a = signed(alice, 'alice', 'ssh-ed25519');
    expect(auth.check({ ...a, blob: Buffer.from('other data') })).toMatchObject({ accepted: false, reason: 'bad-signature' });
  });

  it('accepts rsa-sha2-256/512 and refuses SHA-1 ssh-rsa', () => {
    expect(auth.check(signed(rsa, 'alice', 'ssh-rsa', 'sha256')).accepted).toBe(true);
    expect(auth.check(signed(rsa, 'alice', 'ssh-rsa', 'sha512')).accepted).toBe(true);
    expect(auth.check(signed(rsa, 'alice', 'ssh-rsa'))).toMatchObject({ accepted: false, reason: 'sha1-rsa' });
  });

  it('fingerprints like ssh-keygen and skips authorized_keys options', () => {
    const k = parseAuthorizedKey(`no-pty,from="1.2.3.4" ${alice.line}`);
    expect(k.type).toBe('ssh-ed25519');
    expect(k.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(() => parseAuthorizedKey('garbage')).toThrow(/no public key/);
  });
});

describe('key-type confusion (algorithm name vs key blob vs signature)', () => {
  const blob = Buffer.from('session-id-and-request-alice');
  // ssh2's RSA default is SHA-1: the signature a client naming `ssh-rsa` would send.
  const sha1 = rsa.priv.sign(blob);

  it('refuses an RSA key with a SHA-1 signature sent under the name ssh-ed25519', () => {
    // As ssh2 hands it over: the inner name equalled the request, so the framing is gone.
    expect(auth.check({ user: 'alice', key: { algo: 'ssh-ed25519', data: rsa.data }, blob, signature: sha1 })).toMatchObject({ accepted: false, reason: 'key-type-mismatch' });
    expect(auth.check({ user: 'alice', key: { algo: 'ssh-ed25519', data: rsa.data } })).toMatchObject({ accepted: false, reason: 'key-type-mismatch' });
    expect(auth.check({ user: 'alice', key: { algo: 'ecdsa-sha2-nistp256', data: rsa.data }, blob, signature: sha1 }).accepted).toBe(false);
  });

  it('refuses an ed25519 key named rsa-sha2-256, and a SHA-2 name with a SHA-1 signature', () => {
    const ed = alice.priv.sign(blob);
    expect(auth.check({ user: 'alice', key: { algo: 'ssh-rsa', data: alice.data }, hashAlgo: 'sha256', blob, signature: ed })).toMatchObject({ accepted: false, reason: 'key-type-mismatch' });
    expect(auth.check({ user: 'alice', key: { algo: 'ssh-rsa', data: rsa.data }, hashAlgo: 'sha256', blob, signature: sha1 })).toMatchObject({ accepted: false, reason: 'bad-signature' });
  });

  it('refuses a signature whose inner algorithm differs from the request (ssh2 leaves it framed)', () => {
    const framed = sshStrings('ssh-rsa', sha1);
    expect(auth.check({ user: 'alice', key: { algo: 'ssh-rsa', data: rsa.data }, hashAlgo: 'sha512', blob, signature: framed })).toMatchObject({ accepted: false, reason: 'signature-algorithm-mismatch' });
  });
});

describe('DSA keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podgate-dsa-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('ssh-keygen', ['-q', '-t', 'dsa', '-N', '', '-f', join(dir, 'dsa')]);
  const line = readFileSync(join(dir, 'dsa.pub'), 'utf8');
  const priv = ssh2.utils.parseKey(readFileSync(join(dir, 'dsa'))) as ssh2.ParsedKey;

  it('are refused in the config (CONFIG_KEY_IGNORED) and at login', () => {
    expect(() => parseAuthorizedKey(line)).toThrow(AuthorizedKeyError);
    const bad: string[] = [];
    const withDsa = new PublicKeyAuthenticator([{ name: 'dave', publicKeys: [line] }], (user, _line, reason) => bad.push(`${user}: ${reason}`));
    expect(bad).toEqual([expect.stringMatching(/^dave: DSA \(ssh-dss\) keys are refused/)]);
    const blob = Buffer.from('session-id-and-request-dave');
    const data = priv.getPublicSSH();
    expect(withDsa.check({ user: 'dave', key: { algo: 'ssh-dss', data }, blob, signature: priv.sign(blob) }).accepted).toBe(false);
  });
});
