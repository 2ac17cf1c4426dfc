/**
 * Throwaway SSH keypairs for tests: generated at run time (never committed), written 0600
 * into a temp directory so the real OpenSSH client accepts them with `-i`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';

export interface TestKeyPair {
  /** Path of the OpenSSH private key file (mode 0600). */
  privateKeyPath: string;
  /** The private key text (openssh-key-v1). */
  privateKey: string;
  /** authorized_keys line: `ssh-ed25519 AAAA... comment`. */
  publicKey: string;
}

/** A directory for keys; `cleanup()` removes it and everything written into it. */
export interface KeyDir {
  dir: string;
  generate(name: string, type?: 'ed25519' | 'ecdsa' | 'rsa'): TestKeyPair;
  cleanup(): void;
}

export function makeKeyDir(prefix = 'podgate-keys-'): KeyDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    generate(name, type = 'ed25519') {
      const opts = type === 'rsa' ? { bits: 2048, comment: `${name}@test` } : type === 'ecdsa' ? { bits: 256, comment: `${name}@test` } : { comment: `${name}@test` };
      // ssh2 now and then emits an ed25519 key with a 31-byte public part that nothing can
      // parse: generate until both halves parse.
      let pair = ssh2.utils.generateKeyPairSync(type, opts);
      while (ssh2.utils.parseKey(pair.public) instanceof Error || ssh2.utils.parseKey(pair.private) instanceof Error) {
        pair = ssh2.utils.generateKeyPairSync(type, opts);
      }
      const privateKeyPath = join(dir, name);
      writeFileSync(privateKeyPath, pair.private, { mode: 0o600 });
      writeFileSync(`${privateKeyPath}.pub`, `${pair.public}\n`, { mode: 0o644 });
      return { privateKeyPath, privateKey: pair.private, publicKey: pair.public.trim() };
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
