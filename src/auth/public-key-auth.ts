/**
 * Public-key authentication against the configured users. Identity is USER (before the first
 * `+`): a key only ever authenticates the user whose config lists it, whatever the target. An
 * unknown user and a wrong key take the same path (a comparison against a dummy key set) and
 * get the same answer, so user names cannot be probed. The algorithm the client names must be
 * accepted (key-algorithms.ts: no SHA-1 `ssh-rsa`, no DSA) and must be exactly the key blob's
 * type, and the signature is verified with that algorithm only (no key-type confusion).
 * OpenSSH user certificates signed by a configured CA authenticate the user named as principal.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { fingerprintOf, parseAuthorizedKeys, type AuthorizedKey } from './authorized-keys.ts';
import { checkUserCertificate, type CertRestrictions } from './certificate.ts';
import { blobType, CERT_SUFFIX, refusedAlgorithmReason, signatureAlgorithm, verifyFramedSignature, verifyWithAlgorithm } from './key-algorithms.ts';
import { SshReader, sshStrings } from './ssh-buffer.ts';

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
  /** Set when a certificate was accepted: what its extensions leave allowed (no PTY, ...). */
  certRestrictions?: CertRestrictions;
}

/**
 * The algorithm name the client sent: ssh2 reports `rsa-sha2-256`/`-512` as `ssh-rsa` plus a
 * hash, so the name is rebuilt from both; a hash with anything else is not a valid request.
 */
function requestedAlgorithm(attempt: Pick<PublicKeyAttempt, 'key' | 'hashAlgo'>): string {
  if (!attempt.hashAlgo) return attempt.key.algo;
  if (attempt.key.algo === 'ssh-rsa' && (attempt.hashAlgo === 'sha256' || attempt.hashAlgo === 'sha512')) return `rsa-sha2-${attempt.hashAlgo.slice(3)}`;
  return `${attempt.key.algo}+${attempt.hashAlgo}`;
}

/**
 * ssh2 strips a signature's framing (`string algo, string sig`) only when the inner algorithm
 * equals the requested one; a signature still framed therefore named another algorithm.
 */
function stillFramed(sig: Buffer): boolean {
  try {
    const r = new SshReader(sig);
    const name = r.string();
    r.string();
    return r.done && /^[\x21-\x7e]{1,64}$/.test(name.toString('latin1'));
  } catch {
    return false;
  }
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
    const algName = requestedAlgorithm(attempt);
    const alg = signatureAlgorithm(algName);
    if (!alg) return { accepted: false, fingerprint, reason: refusedAlgorithmReason(algName) };
    if (blobType(attempt.key.data) !== alg.keyType) return { accepted: false, fingerprint, reason: 'key-type-mismatch' };
    if (!attempt.signature) return { accepted: true, fingerprint, reason: 'key-ok' };
    if (stillFramed(attempt.signature)) return { accepted: false, fingerprint, reason: 'signature-algorithm-mismatch' };
    // ssh2 hands ECDSA signatures over already converted to DER.
    const ok = attempt.blob !== undefined && verifyWithAlgorithm(algName, attempt.key.data, attempt.blob, attempt.signature, false);
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
    // `rsa-sha2-512-cert-v01@openssh.com` names an `ssh-rsa-cert-v01@openssh.com` blob signed
    // with rsa-sha2-512; every other certificate algorithm is its blob's own type.
    const algName = attempt.key.algo.slice(0, -CERT_SUFFIX.length);
    const alg = attempt.hashAlgo ? undefined : signatureAlgorithm(algName);
    if (!alg) return reject(refusedAlgorithmReason(attempt.key.algo));
    if (blobType(attempt.key.data) !== `${alg.keyType}${CERT_SUFFIX}`) return reject('key-type-mismatch');
    if (!verdict.ok) return reject(verdict.reason);
    const accepted = (reason: string): AuthVerdict => ({ accepted: true, fingerprint, reason, ...(certificate ? { certificate } : {}), certRestrictions: verdict.restrictions });
    if (!attempt.signature) return accepted('key-ok');
    // ssh2 leaves a certificate's signature in its SSH framing (string algo, string sig).
    const ok = attempt.blob !== undefined && verifyFramedSignature(algName, verdict.cert.publicKey, attempt.blob, attempt.signature);
    return ok ? accepted('ok-certificate') : reject('bad-signature');
  }
}
