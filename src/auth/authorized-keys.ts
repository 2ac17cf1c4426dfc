/**
 * The public keys of each configured user, parsed once from authorized_keys lines into the
 * SSH wire form (type + blob) that ssh2 hands to `authentication`, with SHA256 fingerprints.
 */
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { keyProblem } from './key-algorithms.ts';

export interface AuthorizedKey {
  /** Key type as on the wire (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`...). */
  type: string;
  /** The public key blob in SSH wire format. */
  blob: Buffer;
  fingerprint: string;
}

/** `SHA256:<base64 without padding>` of a wire-format public key, as ssh-keygen -l prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$/;

/** Why an authorized_keys line is unusable (the only error parseAuthorizedKey throws). */
export class AuthorizedKeyError extends Error {
  override readonly name = 'AuthorizedKeyError';
}

/**
 * Parses one authorized_keys line (options before the key type are skipped: podgate enforces
 * policy from its own config, not from key options). Throws AuthorizedKeyError with the reason
 * when unusable: unreadable, a private key, a DSA key, an RSA key under 1024 bits, or a blob
 * whose type is not the one the line names.
 */
export function parseAuthorizedKey(line: string): AuthorizedKey {
  const tokens = line.trim().split(/\s+/);
  const at = tokens.findIndex((t) => KEY_TYPE.test(t));
  if (at < 0 || tokens[at + 1] === undefined) throw new AuthorizedKeyError('no public key of a known type in the line');
  if (tokens[at] === 'ssh-dss') throw new AuthorizedKeyError('DSA (ssh-dss) keys are refused, as by OpenSSH; use an ed25519 key');
  let parsed: ReturnType<typeof ssh2.utils.parseKey>;
  try {
    parsed = ssh2.utils.parseKey(`${tokens[at]} ${tokens[at + 1]}`);
  } catch (e) {
    throw new AuthorizedKeyError(`unreadable public key: ${(e as Error).message}`);
  }
  if (parsed instanceof Error) throw new AuthorizedKeyError(`unreadable public key: ${parsed.message}`);
  const key = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
  if (key === undefined || key.isPrivateKey()) throw new AuthorizedKeyError('not a public key');
  const blob = key.getPublicSSH();
  if (key.type !== tokens[at]) throw new AuthorizedKeyError(`the key is ${key.type}, not ${tokens[at]}`);
  const problem = keyProblem(blob);
  if (problem !== null) throw new AuthorizedKeyError(problem === 'dsa-refused' ? 'DSA (ssh-dss) keys are refused' : problem);
  return { type: key.type, blob, fingerprint: fingerprintOf(blob) };
}

/** Parses every line; a bad line is reported through `onBadLine` and skipped. */
export function parseAuthorizedKeys(lines: string[], onBadLine: (line: number, reason: string) => void = () => {}): AuthorizedKey[] {
  const out: AuthorizedKey[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    try {
      out.push(parseAuthorizedKey(line));
    } catch (e) {
      onBadLine(i, (e as Error).message);
    }
  });
  return out;
}
