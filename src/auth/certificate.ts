/**
 * OpenSSH user certificates (PROTOCOL.certkeys), which ssh2 cannot parse: the certificate is
 * parsed here, its CA signature verified against the configured userCAs, and its validity,
 * type and principals checked; the session signature is then verified with the certified key.
 * Principal = podgate user name. Critical options: only `source-address` is understood; a
 * certificate with any other critical option is refused (it could not be honoured).
 */
import { timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { BlockList, isIP } from 'node:net';
import ssh2 from 'ssh2';
import { fingerprintOf } from './authorized-keys.ts';
import { SshReader, sshStrings } from './ssh-buffer.ts';

const require = createRequire(import.meta.url);
/** ssh2's own converter from SSH to ASN.1 (DER) signatures (ECDSA, DSA). */
const { sigSSHToASN1 } = require('ssh2/lib/protocol/utils.js') as { sigSSHToASN1: (sig: Buffer, type: string) => Buffer | undefined };

export const CERT_SUFFIX = '-cert-v01@openssh.com';

export interface UserCertificate {
  /** The certified public key as a plain key blob (`ssh-ed25519 ...`). */
  publicKey: Buffer;
  keyType: string;
  serial: bigint;
  keyId: string;
  principals: string[];
  validAfter: bigint;
  validBefore: bigint;
  criticalOptions: Map<string, string>;
  /** The CA's public key blob. */
  signatureKey: Buffer;
  /** Everything the CA signed. */
  signedData: Buffer;
  signature: Buffer;
}

function options(buf: Buffer): Map<string, string> {
  const r = new SshReader(buf);
  const out = new Map<string, string>();
  while (!r.done) {
    const name = r.text();
    const data = r.string();
    out.set(name, data.length === 0 ? '' : new SshReader(data).text());
  }
  return out;
}

/** Parses a certificate key blob (as sent in the publickey request). Throws when malformed. */
export function parseUserCertificate(blob: Buffer): UserCertificate {
  const r = new SshReader(blob);
  const certType = r.text();
  if (!certType.endsWith(CERT_SUFFIX)) throw new Error(`not a certificate: ${certType}`);
  const keyType = certType.slice(0, -CERT_SUFFIX.length);
  r.string(); // nonce
  let publicKey: Buffer;
  if (keyType === 'ssh-ed25519') publicKey = sshStrings(keyType, r.string());
  else if (keyType === 'ssh-rsa') {
    const e = r.string();
    const n = r.string();
    publicKey = sshStrings(keyType, e, n);
  } else if (keyType.startsWith('ecdsa-sha2-')) {
    const curve = r.string();
    const q = r.string();
    publicKey = sshStrings(keyType, curve, q);
  } else throw new Error(`unsupported certificate key type ${keyType}`);
  const serial = r.uint64();
  const type = r.uint32();
  if (type !== 1) throw new Error('not a user certificate');
  const keyId = r.text();
  const principalsBuf = new SshReader(r.string());
  const principals: string[] = [];
  while (!principalsBuf.done) principals.push(principalsBuf.text());
  const validAfter = r.uint64();
  const validBefore = r.uint64();
  const criticalOptions = options(r.string());
  r.string(); // extensions (permit-pty etc.: podgate's own policy decides)
  r.string(); // reserved
  const signatureKey = r.string();
  const signedData = blob.subarray(0, r.offset);
  const signature = r.string();
  return { publicKey, keyType, serial, keyId, principals, validAfter, validBefore, criticalOptions, signatureKey, signedData, signature };
}

/** Verifies an SSH-framed signature (`string algo, string sig`) by `keyBlob` over `data`. */
export function verifyFramedSignature(keyBlob: Buffer, data: Buffer, framed: Buffer): boolean {
  let algo: string;
  let raw: Buffer;
  try {
    const r = new SshReader(framed);
    algo = r.text();
    raw = r.string();
  } catch {
    return false;
  }
  if (algo === 'ssh-rsa') return false; // SHA-1
  const hashAlgo = algo === 'rsa-sha2-256' ? 'sha256' : algo === 'rsa-sha2-512' ? 'sha512' : undefined;
  const parsed = ssh2.utils.parseKey(keyBlob);
  if (parsed instanceof Error) return false;
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  if (hashAlgo === undefined && algo !== key.type) return false;
  const sig = sigSSHToASN1(raw, key.type);
  if (!sig) return false;
  return key.verify(data, sig, hashAlgo as never) === true;
}

export type CertVerdict =
  | { ok: true; cert: UserCertificate; caFingerprint: string }
  | { ok: false; reason: string; cert?: UserCertificate };

/** Checks the certificate itself for `user` (CA, validity, principals, options). */
export function checkUserCertificate(blob: Buffer, user: string, cas: Buffer[], remoteAddress: string, nowSeconds = BigInt(Math.floor(Date.now() / 1000))): CertVerdict {
  let cert: UserCertificate;
  try {
    cert = parseUserCertificate(blob);
  } catch (e) {
    return { ok: false, reason: `bad-certificate: ${(e as Error).message}` };
  }
  let trusted = false;
  for (const ca of cas) trusted = (ca.length === cert.signatureKey.length && timingSafeEqual(ca, cert.signatureKey)) || trusted;
  if (!trusted) return { ok: false, reason: 'untrusted-ca', cert };
  if (!verifyFramedSignature(cert.signatureKey, cert.signedData, cert.signature)) return { ok: false, reason: 'bad-ca-signature', cert };
  if (nowSeconds < cert.validAfter) return { ok: false, reason: 'not-yet-valid', cert };
  if (nowSeconds >= cert.validBefore) return { ok: false, reason: 'expired', cert };
  if (!cert.principals.includes(user)) return { ok: false, reason: 'wrong-principal', cert };
  for (const [name, value] of cert.criticalOptions) {
    if (name !== 'source-address') return { ok: false, reason: `unsupported-critical-option: ${name}`, cert };
    if (!sourceAllowed(value, remoteAddress)) return { ok: false, reason: 'source-address', cert };
  }
  return { ok: true, cert, caFingerprint: fingerprintOf(cert.signatureKey) };
}

function sourceAllowed(list: string, address: string): boolean {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const addr = address.startsWith('::ffff:') ? address.slice(7) : address;
  const block = new BlockList();
  for (const entry of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [net, bits] = entry.split('/');
    const type = isIP(net!) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(net!) === 0) continue;
    if (bits === undefined) block.addAddress(net!, type);
    else block.addSubnet(net!, Number(bits), type);
  }
  return block.check(addr, isIP(addr) === 6 ? 'ipv6' : family === 'ipv6' && isIP(addr) === 4 ? 'ipv4' : family);
}
