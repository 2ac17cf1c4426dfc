/**
 * Public-key authentication against the configured users. Identity is USER (before the first
 * `+`): a key only ever authenticates the user whose config lists it, whatever the target. An
 * unknown user and a wrong key take the same path (a comparison against a dummy key set) and
 * get the same answer, so user names cannot be probed. SHA-1 `ssh-rsa` signatures are refused.
 * OpenSSH user certificates signed by a configured CA authenticate the user named as principal.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import { fingerprintOf, parseAuthorizedKeys, type AuthorizedKey } from './authorized-keys.ts';
import { CERT_SUFFIX, checkUserCertificate, verifyFramedSignature } from './certificate.ts';
import { sshStrings } from './ssh-buffer.ts';

/** One attempt as the SSH layer received it (mirrors ssh2's publickey context). */
export interface PublicKeyAttempt {
  /** The podgate user (already split from the target). */
  user: string;
  key: { algo: string; data: Buffer };
  /** rsa-sha2-*: `sha256`/`sha512`; absent for plain `ssh-rsa` (SHA-1). */
  hashAlgo?: string;
  /** Absent when the client only asks whether the key would be accepted. */
  signature?: Buffer;
  /** The signed data (includes the session id); present with a signature. */
  blob?: Buffer;
  /** The client's address (certificate `source-address`). */
  remoteAddress?: string;
}

export interface AuthVerdict {
  accepted: boolean;
  fingerprint: string;
  /** For the operator log only; never sent to the client. */
  reason: string;
  /** Set when a user certificate was presented. */
  certificate?: { keyId: string; serial: string; ca: string };
}

export class PublicKeyAuthenticator {
  readonly #keys = new Map<string, AuthorizedKey[]>();
  readonly #dummy: AuthorizedKey[];

  readonly #cas: Buffer[];

  constructor(users: { name: string; publicKeys: string[] }[], onBadKey: (user: string, line: number, reason: string) => void = () => {}, userCAs: string[] = []) {
    for (const u of users) this.#keys.set(u.name, parseAuthorizedKeys(u.publicKeys, (line, reason) => onBadKey(u.name, line, reason)));
    this.#cas = parseAuthorizedKeys(userCAs, (line, reason) => onBadKey('(userCAs)', line, reason)).map((k) => k.blob);
    // A key nobody holds, compared against for unknown users (built directly: ssh2's
    // generateKeyPairSync sometimes emits a malformed 31-byte ed25519 key).
    const blob = sshStrings('ssh-ed25519', randomBytes(32));
    this.#dummy = [{ type: 'ssh-ed25519', blob, fingerprint: fingerprintOf(blob) }];
  }

  hasUser(user: string): boolean {
    return this.#keys.has(user);
  }

  check(attempt: PublicKeyAttempt): AuthVerdict {
    if (attempt.key.algo.endsWith(CERT_SUFFIX)) return this.#checkCertificate(attempt);
    const fingerprint = fingerprintOf(attempt.key.data);
    const known = this.#keys.get(attempt.user);
    const candidates = known ?? this.#dummy;
    let match = false;
    for (const k of candidates) {
      // No early exit: every configured key of the user is compared.
      const same = k.blob.length === attempt.key.data.length && timingSafeEqual(k.blob, attempt.key.data);
      match = match || same;
    }
    if (!known) return { accepted: false, fingerprint, reason: 'unknown-user' };
    if (!match) return { accepted: false, fingerprint, reason: 'unknown-key' };
    if (attempt.key.algo === 'ssh-rsa' && !attempt.hashAlgo) return { accepted: false, fingerprint, reason: 'sha1-rsa' };
    if (!attempt.signature) return { accepted: true, fingerprint, reason: 'key-ok' };
    const parsed = ssh2.utils.parseKey(attempt.key.data);
    if (parsed instanceof Error) return { accepted: false, fingerprint, reason: 'bad-signature' };
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    const ok = attempt.blob !== undefined && key.verify(attempt.blob, attempt.signature, attempt.hashAlgo as never) === true;
    return { accepted: ok, fingerprint, reason: ok ? 'ok' : 'bad-signature' };
  }

  /** A user certificate: signed by a configured CA for this user, then the usual signature. */
  #checkCertificate(attempt: PublicKeyAttempt): AuthVerdict {
    const known = this.#keys.has(attempt.user);
    const verdict = checkUserCertificate(attempt.key.data, attempt.user, this.#cas, attempt.remoteAddress ?? '');
    const fingerprint = fingerprintOf(verdict.cert?.publicKey ?? attempt.key.data);
    const certificate = verdict.cert ? { keyId: verdict.cert.keyId, serial: verdict.cert.serial.toString(), ca: fingerprintOf(verdict.cert.signatureKey) } : undefined;
    const reject = (reason: string): AuthVerdict => ({ accepted: false, fingerprint, reason, ...(certificate ? { certificate } : {}) });
    if (!known) return reject('unknown-user');
    if (!verdict.ok) return reject(verdict.reason);
    if (attempt.key.algo === `ssh-rsa${CERT_SUFFIX}`) return reject('sha1-rsa');
    if (!attempt.signature) return { accepted: true, fingerprint, reason: 'key-ok', ...(certificate ? { certificate } : {}) };
    // ssh2 leaves a certificate's signature in its SSH framing (string algo, string sig).
    const ok = attempt.blob !== undefined && verifyFramedSignature(verdict.cert.publicKey, attempt.blob, attempt.signature);
    return ok ? { accepted: true, fingerprint, reason: 'ok-certificate', ...(certificate ? { certificate } : {}) } : reject('bad-signature');
  }
}
