/**
 * OpenSSH user certificates for tests: throwaway keys and certificates made by the real
 * `ssh-keygen` at run time, and `craftCertificate` for the malformed ones ssh-keygen refuses
 * to make (duplicate options, bad source-address, a certificate as CA), signed by a real CA
 * key so only the deliberate defect is wrong.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import type { ParsedCertificate } from '../../src/auth/certificate-parse.ts';
import { sshStrings } from '../../src/auth/ssh-buffer.ts';

const run = promisify(execFile);

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa' | 'dsa';

export interface CertDir {
  dir: string;
  /** Makes `name` (private) and `name.pub`; returns the private key path. */
  key(name: string, type?: KeyType): Promise<string>;
  /** `ssh-keygen -s ca -I id-KEY ...opts KEY.pub`; returns the certificate path (KEY-cert.pub). */
  sign(ca: string, key: string, opts: string[]): Promise<string>;
  cleanup(): void;
}

export function makeCertDir(prefix = 'podgate-certs-'): CertDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    async key(name, type = 'ed25519') {
      const path = join(dir, name);
      await run('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', name, '-f', path]);
      return path;
    },
    async sign(ca, key, opts) {
      await run('ssh-keygen', ['-q', '-s', ca, '-I', `id-${key.split('/').pop()}`, ...opts, `${key}.pub`]);
      return `${key}-cert.pub`;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The base64 blob of a `.pub` / `-cert.pub` file. */
export function blobOf(pubPath: string): Buffer {
  return Buffer.from(readFileSync(pubPath, 'utf8').split(' ')[1], 'base64');
}

function list(pairs: [string, Buffer][]): Buffer {
  return Buffer.concat(pairs.map(([name, data]) => sshStrings(name, data)));
}

export interface CraftOptions {
  critical?: [string, Buffer][];
  extensions?: [string, Buffer][];
  principals?: string[];
  /** Replaces the CA key blob in the certificate (the signature is still made by `caPriv`). */
  signatureKey?: Buffer;
  /** Bytes appended after the signature. */
  trailing?: Buffer;
}

/** A critical option value as ssh-keygen encodes it (the text in its own string). */
export const optionValue = (text: string): Buffer => sshStrings(text);

/** Re-encodes `base` with changes and signs it with the ed25519 CA private key `caPriv`. */
export function craftCertificate(base: ParsedCertificate, caPriv: string, o: CraftOptions): Buffer {
  const keyFields = base.publicKey.subarray(4 + base.publicKey.readUInt32BE(0));
  const u64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(v); return b; };
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
  const signed = Buffer.concat([
    sshStrings(base.certType, randomBytes(32)), keyFields, u64(base.serial), u32(base.type), sshStrings(base.keyId),
    sshStrings(Buffer.concat((o.principals ?? base.principals).map((p) => sshStrings(p)))),
    u64(base.validAfter), u64(base.validBefore),
    sshStrings(list(o.critical ?? [...base.criticalOptions])), sshStrings(list(o.extensions ?? [...base.extensions])),
    sshStrings(''), sshStrings(o.signatureKey ?? base.signatureKey),
  ]);
  const ca = ssh2.utils.parseKey(readFileSync(caPriv)) as ssh2.ParsedKey;
  const sig = sshStrings(sshStrings('ssh-ed25519', ca.sign(signed)));
  return Buffer.concat([signed, sig, o.trailing ?? Buffer.alloc(0)]);
}
