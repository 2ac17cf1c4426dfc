import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, parseAuthorizedKey } from './authorized-keys.ts';
import { PublicKeyAuthenticator } from './public-key-auth.ts';
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
  const signature = p.priv.sign(blob, hashAlgo as never) as Buffer;
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
