/**
 * Throwaway SSH keypairs for tests: generated at run time (never committed), written 0600
 * into a temp directory so the real OpenSSH client accepts them with `-i`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../../src/cli/ssh-keypair.ts';

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
  generate(name: string, type?: 'ed25519' | 'rsa'): TestKeyPair;
  cleanup(): void;
}

export function makeKeyDir(prefix = 'podgate-keys-'): KeyDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    generate(name, type = 'ed25519') {
      // Small RSA keys keep the suites fast; generateKeyPair re-makes ssh2's broken ed25519 pairs.
      const pair = generateKeyPair(type, `${name}@test`, { rsaBits: 2048 });
      const privateKeyPath = join(dir, name);
      writeFileSync(privateKeyPath, pair.private, { mode: 0o600 });
      writeFileSync(`${privateKeyPath}.pub`, `${pair.public}\n`, { mode: 0o644 });
      return { privateKeyPath, privateKey: pair.private, publicKey: pair.public };
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
