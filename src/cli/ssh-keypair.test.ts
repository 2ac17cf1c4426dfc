import { describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { generateKeyPair } from './ssh-keypair.ts';

describe('generateKeyPair', () => {
  it('only returns ed25519 pairs whose both halves parse (ssh2 breaks ~1 in 256)', () => {
    for (let i = 0; i < 600; i++) {
      const pair = generateKeyPair('ed25519', 'x');
      const pub = ssh2.utils.parseKey(pair.public);
      const priv = ssh2.utils.parseKey(pair.private);
      if (pub instanceof Error || priv instanceof Error) throw new Error(`broken pair: ${pair.public}`);
      expect(Buffer.from(pair.public.split(' ')[1], 'base64').length).toBe(51);
    }
  });
});
