/**
 * OpenSSH key pairs for `keygen` and `demo`. ssh2 1.17's generateKeyPairSync drops every
 * leading zero byte of an ed25519 public key (it strips the BIT STRING's unused-bits byte with a
 * loop), so about one key in 256 comes out 31 bytes long: unreadable by ssh-keygen, OpenSSH and
 * ssh2 itself. Every pair is therefore checked by parsing both halves, and made again if broken.
 */
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

const { utils } = ssh2;

export interface KeyPairText {
  private: string;
  public: string;
}

function parses(text: string): boolean {
  const parsed = utils.parseKey(text);
  const key = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
  return key !== undefined && !(key instanceof Error);
}

export function generateKeyPair(type: 'ed25519' | 'rsa', comment: string, opts: { rsaBits?: number; maxTries?: number } = {}): KeyPairText {
  const { rsaBits = 3072, maxTries = 16 } = opts;
  for (let i = 0; i < maxTries; i++) {
    const pair = type === 'rsa' ? utils.generateKeyPairSync('rsa', { bits: rsaBits, comment }) : utils.generateKeyPairSync('ed25519', { comment });
    if (parses(pair.private) && parses(pair.public)) return { private: pair.private, public: pair.public.trim() };
  }
  throw new Error(`could not generate a valid ${type} key in ${maxTries} tries`);
}
