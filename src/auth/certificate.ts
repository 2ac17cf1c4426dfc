/**
 * OpenSSH user certificates (PROTOCOL.certkeys), which ssh2 cannot parse: the certificate is
 * parsed strictly (certificate-parse.ts), its CA signature verified against the configured
 * userCAs, and its validity, type, principals and options checked as OpenSSH's sshd does with
 * TrustedUserCAKeys. Principal = podgate user name (literal match, as OpenSSH). Critical
 * options: `source-address` is honoured; `force-command`, `verify-required` and any unknown
 * one refuse the certificate (podgate cannot honour them). Extensions: without `permit-pty`
 * the user gets no PTY, without `permit-port-forwarding` no forwarding (certRestrictions).
 */
import { timingSafeEqual } from 'node:crypto';
import { fingerprintOf } from './authorized-keys.ts';
import { parseCertificate, optionText, USER_CERT, type ParsedCertificate } from './certificate-parse.ts';
import { blobType, CERT_SUFFIX, keyProblem, refusedAlgorithmReason, signatureAlgorithm, verifyFramedSignature } from './key-algorithms.ts';
import { parseSourceAddressList, sourceAddressMatches } from './source-address.ts';
import { SshReader } from './ssh-buffer.ts';

/** What a certificate's extensions and options leave the session allowed to do. */
export interface CertRestrictions {
  /** `permit-pty` present: PTY requests may be granted. */
  pty: boolean;
  /** `permit-port-forwarding` present: direct-tcpip (and jump) may be granted. */
  portForwarding: boolean;
  /** The `source-address` list, when the certificate had one (already checked at login). */
  sourceAddress?: string;
  /** valid-before in ms since the epoch (absent: forever): live sessions end then (docs/clusters.md). */
  validBeforeMs?: number;
}

type UserCertificate = ParsedCertificate;

export type CertVerdict =
  | { ok: true; cert: UserCertificate; caFingerprint: string; restrictions: CertRestrictions }
  | { ok: false; reason: string; cert?: UserCertificate };

/** The algorithm named inside an SSH-framed signature, or null. */
function framedAlgorithm(framed: Buffer): string | null {
  try {
    return new SshReader(framed).text();
  } catch {
    return null;
  }
}

/** Why the CA's own key or its signature algorithm is unacceptable, or null. */
function caProblem(cert: UserCertificate): string | null {
  const caType = blobType(cert.signatureKey);
  if (caType?.endsWith(CERT_SUFFIX)) return 'ca-is-certificate';
  const keyIssue = keyProblem(cert.signatureKey);
  if (keyIssue !== null) return `unsupported-ca-key: ${keyIssue}`;
  const alg = framedAlgorithm(cert.signature) ?? '';
  const known = signatureAlgorithm(alg);
  if (!known) return `ca-signature-algorithm: ${refusedAlgorithmReason(alg)}`;
  if (known.keyType !== caType) return 'ca-signature-algorithm: does not match the CA key';
  return verifyFramedSignature(alg, cert.signatureKey, cert.signedData, cert.signature) ? null : 'bad-ca-signature';
}

/** Checks the certificate itself for `user` (CA, validity, principals, options). */
export function checkUserCertificate(blob: Buffer, user: string, cas: Buffer[], remoteAddress: string, nowSeconds = BigInt(Math.floor(Date.now() / 1000))): CertVerdict {
  let cert: UserCertificate;
  try {
    cert = parseCertificate(blob);
  } catch (e) {
    return { ok: false, reason: `bad-certificate: ${(e as Error).message}` };
  }
  if (cert.type !== USER_CERT) return { ok: false, reason: 'bad-certificate: not a user certificate', cert };
  let trusted = false;
  for (const ca of cas) trusted = (ca.length === cert.signatureKey.length && timingSafeEqual(ca, cert.signatureKey)) || trusted;
  if (!trusted) return { ok: false, reason: 'untrusted-ca', cert };
  const ca = caProblem(cert);
  if (ca !== null) return { ok: false, reason: ca, cert };
  const keyIssue = keyProblem(cert.publicKey);
  if (keyIssue !== null) return { ok: false, reason: `unsupported-certified-key: ${keyIssue}`, cert };
  if (nowSeconds < cert.validAfter) return { ok: false, reason: 'not-yet-valid', cert };
  if (nowSeconds >= cert.validBefore) return { ok: false, reason: 'expired', cert };
  if (cert.principals.length === 0) return { ok: false, reason: 'no-principals', cert };
  if (!cert.principals.includes(user)) return { ok: false, reason: 'wrong-principal', cert };
  const restrictions: CertRestrictions = { pty: cert.extensions.has('permit-pty'), portForwarding: cert.extensions.has('permit-port-forwarding') };
  // OpenSSH writes "forever" as 2^64-1; any time past 2^53 ms is forever too.
  if (cert.validBefore < BigInt(Number.MAX_SAFE_INTEGER) / 1000n) restrictions.validBeforeMs = Number(cert.validBefore) * 1000;
  for (const [name, data] of cert.criticalOptions) {
    if (name !== 'source-address') return { ok: false, reason: `unsupported-critical-option: ${name.slice(0, 80)}`, cert };
    let list: string;
    try {
      list = optionText(data, name);
    } catch (e) {
      return { ok: false, reason: `bad-certificate: ${(e as Error).message}`, cert };
    }
    const networks = parseSourceAddressList(list);
    if (networks === null) return { ok: false, reason: 'bad-source-address', cert };
    if (!sourceAddressMatches(networks, remoteAddress)) return { ok: false, reason: 'source-address', cert };
    restrictions.sourceAddress = list;
  }
  for (const [name, data] of cert.extensions) {
    // OpenSSH: a known extension flag carrying data is a corrupt certificate.
    if ((name === 'permit-pty' || name === 'permit-port-forwarding' || name === 'permit-X11-forwarding' || name === 'permit-agent-forwarding' || name === 'permit-user-rc' || name === 'no-touch-required') && data.length !== 0) {
      return { ok: false, reason: `bad-certificate: extension "${name}" corrupt (extra data)`, cert };
    }
  }
  return { ok: true, cert, caFingerprint: fingerprintOf(cert.signatureKey), restrictions };
}
