/**
 * Strict parsing of an OpenSSH user or host certificate blob (PROTOCOL.certkeys), as OpenSSH's
 * sshkey.c and auth-options.c read it: the key fields of the certified key's type, every
 * option once, no text with NUL bytes, and nothing after the CA signature. Any deviation
 * throws a CertificateFormatError (and only that): a certificate is either exactly what a CA
 * signed or it is refused.
 */
import { CERT_SUFFIX, KEY_TYPES } from './key-algorithms.ts';
import { SshReader, sshStrings } from './ssh-buffer.ts';

export class CertificateFormatError extends Error {
  override readonly name = 'CertificateFormatError';
}

export const USER_CERT = 1;
const HOST_CERT = 2;

export interface ParsedCertificate {
  /** The certificate's own type (`ssh-ed25519-cert-v01@openssh.com`...). */
  certType: string;
  /** The certified key's plain type (`ssh-ed25519`...). */
  keyType: string;
  /** The certified public key as a plain key blob. */
  publicKey: Buffer;
  serial: bigint;
  /** 1 = user, 2 = host. */
  type: number;
  keyId: string;
  principals: string[];
  validAfter: bigint;
  validBefore: bigint;
  /** Critical option name → its data (still in its own SSH framing). */
  criticalOptions: Map<string, Buffer>;
  /** Extension name → its data. */
  extensions: Map<string, Buffer>;
  /** The CA's public key blob. */
  signatureKey: Buffer;
  /** Everything the CA signed. */
  signedData: Buffer;
  /** The CA signature, SSH-framed (`string algo, string sig`). */
  signature: Buffer;
}

/** A `string` that must be text without NUL (OpenSSH's sshbuf_get_cstring). */
function cstring(r: SshReader, what: string): string {
  const b = r.string();
  if (b.includes(0)) throw new CertificateFormatError(`${what} contains a NUL byte`);
  const text = b.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(b)) throw new CertificateFormatError(`${what} is not UTF-8`);
  return text;
}

function read<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CertificateFormatError) throw e;
    throw new CertificateFormatError(`${what}: ${(e as Error).message}`);
  }
}

function optionList(buf: Buffer, what: string): Map<string, Buffer> {
  const r = new SshReader(buf);
  const out = new Map<string, Buffer>();
  while (!r.done) {
    const name = cstring(r, `${what} name`);
    const data = r.string();
    if (out.has(name)) throw new CertificateFormatError(`duplicate ${what} "${name}"`);
    out.set(name, data);
  }
  return out;
}

function certifiedKey(r: SshReader, keyType: string): Buffer {
  if (keyType === 'ssh-ed25519') {
    const pk = r.string();
    if (pk.length !== 32) throw new CertificateFormatError('ed25519 key is not 32 bytes');
    return sshStrings(keyType, pk);
  }
  if (keyType === 'ssh-rsa') {
    const e = r.string();
    const n = r.string();
    return sshStrings(keyType, e, n);
  }
  const curve = cstring(r, 'curve');
  if (`ecdsa-sha2-${curve}` !== keyType) throw new CertificateFormatError(`curve ${curve} does not match ${keyType}`);
  return sshStrings(keyType, curve, r.string());
}

/** Parses a certificate blob (user or host). Throws CertificateFormatError when malformed. */
export function parseCertificate(blob: Buffer): ParsedCertificate {
  return read('certificate', () => {
    const r = new SshReader(blob);
    const certType = cstring(r, 'certificate type');
    const keyType = certType.endsWith(CERT_SUFFIX) ? certType.slice(0, -CERT_SUFFIX.length) : '';
    if (!KEY_TYPES.has(keyType)) throw new CertificateFormatError(`unsupported certificate type ${certType.slice(0, 80)}`);
    r.string(); // nonce
    const publicKey = certifiedKey(r, keyType);
    const serial = r.uint64();
    const type = r.uint32();
    if (type !== USER_CERT && type !== HOST_CERT) throw new CertificateFormatError(`unknown certificate type ${type}`);
    const keyId = cstring(r, 'key id');
    const principalsReader = new SshReader(r.string());
    const principals: string[] = [];
    while (!principalsReader.done) principals.push(cstring(principalsReader, 'principal'));
    const validAfter = r.uint64();
    const validBefore = r.uint64();
    const criticalOptions = optionList(r.string(), 'critical option');
    const extensions = optionList(r.string(), 'extension');
    r.string(); // reserved
    const signatureKey = r.string();
    const signedData = blob.subarray(0, r.offset);
    const signature = r.string();
    if (!r.done) throw new CertificateFormatError('trailing bytes after the signature');
    return { certType, keyType, publicKey, serial, type, keyId, principals, validAfter, validBefore, criticalOptions, extensions, signatureKey, signedData, signature };
  });
}

/** The single string an option's data holds (force-command, source-address); nothing else. */
export function optionText(data: Buffer, name: string): string {
  return read(`option ${name}`, () => {
    const r = new SshReader(data);
    const text = cstring(r, `option ${name}`);
    if (!r.done) throw new CertificateFormatError(`option "${name}" corrupt (extra data)`);
    return text;
  });
}
