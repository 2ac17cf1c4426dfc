/**
 * The public-key signature algorithms podgate accepts, for user keys, certified keys and CA
 * signatures alike, and the key type each one needs. An algorithm name is bound to exactly one
 * key type and one hash: `ssh-ed25519` never verifies with an RSA key, RSA only ever with
 * SHA-2 (`rsa-sha2-256`/`rsa-sha2-512`). Refused everywhere: `ssh-rsa` (SHA-1 signatures) and
 * `ssh-dss` (DSA; OpenSSH removed it), as OpenSSH's defaults do.
 */
import { createRequire } from 'node:module';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { SshReader } from './ssh-buffer.ts';

const require = createRequire(import.meta.url);
/** ssh2's own converter from SSH to ASN.1 (DER) signatures (ECDSA). */
const { sigSSHToASN1 } = require('ssh2/lib/protocol/utils.js') as { sigSSHToASN1: (sig: Buffer, type: string) => Buffer | undefined };

export const CERT_SUFFIX = '-cert-v01@openssh.com';

/** OpenSSH's RequiredRSASize default: smaller RSA keys are refused. */
const MIN_RSA_BITS = 1024;

interface Algorithm {
  keyType: string;
  hash?: 'sha256' | 'sha512';
}

/** Signature algorithm → the key type it needs (a Map: no prototype keys). */
const ALGORITHMS = new Map<string, Algorithm>([
  ['ssh-ed25519', { keyType: 'ssh-ed25519' }],
  ['ecdsa-sha2-nistp256', { keyType: 'ecdsa-sha2-nistp256' }],
  ['ecdsa-sha2-nistp384', { keyType: 'ecdsa-sha2-nistp384' }],
  ['ecdsa-sha2-nistp521', { keyType: 'ecdsa-sha2-nistp521' }],
  ['rsa-sha2-512', { keyType: 'ssh-rsa', hash: 'sha512' }],
  ['rsa-sha2-256', { keyType: 'ssh-rsa', hash: 'sha256' }],
]);

/**
 * The signature algorithms podgate accepts, as it announces them in `server-sig-algs`
 * (src/ssh/ext-info.ts). Plain names only, as OpenSSH's sshd sends: a client maps them to the
 * certificate variants itself (`rsa-sha2-512` → `rsa-sha2-512-cert-v01@openssh.com`).
 */
export const SIGNATURE_ALGORITHMS: readonly string[] = [...ALGORITHMS.keys()];

/** Key types podgate accepts (plain keys; a certificate's type is one of these + CERT_SUFFIX). */
export const KEY_TYPES = new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa']);

export function signatureAlgorithm(name: string): Algorithm | undefined {
  return ALGORITHMS.get(name);
}

/** Why the algorithm name `name` is refused, for the operator log. */
export function refusedAlgorithmReason(name: string): string {
  const base = name.endsWith(CERT_SUFFIX) ? name.slice(0, -CERT_SUFFIX.length) : name;
  if (base === 'ssh-rsa') return 'sha1-rsa';
  if (base === 'ssh-dss') return 'dsa-refused';
  return 'unsupported-algorithm';
}

/** The type name at the start of a key or certificate blob, or null when unreadable. */
export function blobType(blob: Buffer): string | null {
  try {
    return new SshReader(blob).text();
  } catch {
    return null;
  }
}

/** Why a plain public key blob is unusable (type, RSA size), or null when it is fine. */
export function keyProblem(blob: Buffer): string | null {
  const type = blobType(blob);
  if (type === 'ssh-dss') return 'dsa-refused';
  if (type === null || !KEY_TYPES.has(type)) return `unsupported key type ${type ?? '(unreadable)'}`;
  if (type === 'ssh-rsa' && rsaBits(blob) < MIN_RSA_BITS) return `RSA key smaller than ${MIN_RSA_BITS} bits`;
  return null;
}

/** The modulus size of an `ssh-rsa` blob (0 when unreadable). */
function rsaBits(blob: Buffer): number {
  try {
    const r = new SshReader(blob);
    r.string();
    r.string();
    const n = r.string();
    let i = 0;
    while (i < n.length && n[i] === 0) i++;
    return i === n.length ? 0 : (n.length - i - 1) * 8 + (32 - Math.clz32(n[i]));
  } catch {
    return 0;
  }
}

/**
 * Verifies `sig` (the raw signature, without its SSH framing; ECDSA as SSH `r,s` when
 * `sshEcdsa`, else DER) made with algorithm `algName` by the plain key `keyBlob` over `data`.
 * False unless the algorithm is accepted and the key is exactly of the type it needs.
 */
export function verifyWithAlgorithm(algName: string, keyBlob: Buffer, data: Buffer, sig: Buffer, sshEcdsa: boolean): boolean {
  const alg = ALGORITHMS.get(algName);
  if (!alg || blobType(keyBlob) !== alg.keyType || keyProblem(keyBlob) !== null) return false;
  const parsed = ssh2.utils.parseKey(keyBlob);
  if (parsed instanceof Error) return false;
  const key = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
  if (key.type !== alg.keyType) return false;
  if (alg.keyType === 'ssh-ed25519' && sig.length !== 64) return false;
  const der = sshEcdsa && alg.keyType.startsWith('ecdsa-') ? sigSSHToASN1(sig, alg.keyType) : sig;
  if (!der) return false;
  try {
    return key.verify(data, der, alg.hash) === true;
  } catch {
    return false;
  }
}

/**
 * Verifies an SSH-framed signature (`string algo, string sig`, nothing after it): the inner
 * algorithm must be `expectedAlg` exactly.
 */
export function verifyFramedSignature(expectedAlg: string, keyBlob: Buffer, data: Buffer, framed: Buffer): boolean {
  let algo: string;
  let raw: Buffer;
  try {
    const r = new SshReader(framed);
    algo = r.text();
    raw = r.string();
    if (!r.done) return false;
  } catch {
    return false;
  }
  return algo === expectedAlg && verifyWithAlgorithm(algo, keyBlob, data, raw, true);
}
