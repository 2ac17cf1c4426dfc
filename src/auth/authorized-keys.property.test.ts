/**
 * authorized_keys line parsing under arbitrary and mutated input: it returns a usable key or
 * throws AuthorizedKeyError, nothing else, and a key it returns is always exactly the one the
 * line names. Run count and seed are printed (src/auth/property-seed.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../cli/ssh-keypair.ts';
import { AuthorizedKeyError, parseAuthorizedKey, parseAuthorizedKeys } from './authorized-keys.ts';
import { blobType } from './key-algorithms.ts';
import { propertyRun } from './property-seed.ts';

const ED = generateKeyPair('ed25519', 'a@b').public;
const RSA = generateKeyPair('rsa', 'a@b', { rsaBits: 2048 }).public;

/** Either a key whose blob type is the type the line names, or an AuthorizedKeyError. */
function parsesOrRefuses(line: string): void {
  try {
    const k = parseAuthorizedKey(line);
    expect(blobType(k.blob)).toBe(k.type);
    expect(line).toContain(k.type);
    expect(k.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  } catch (e) {
    if (!(e instanceof AuthorizedKeyError)) throw e;
  }
}

/** A valid line with characters replaced, inserted or removed at random places. */
const mutatedLine = fc.tuple(fc.constantFrom(ED, RSA, `no-pty,from="10.0.0.1" ${ED}`), fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.string({ maxLength: 4, unit: 'binary' })), { minLength: 1, maxLength: 4 }))
  .map(([line, edits]) => edits.reduce((s, [at, del, ins]) => { const i = at % (s.length + 1); return s.slice(0, i) + ins + s.slice(i + del); }, line));

describe('parseAuthorizedKey (property)', () => {
  it('arbitrary text: a key or AuthorizedKeyError, never another exception', () => {
    const { seed, numRuns } = propertyRun('authorized_keys arbitrary', 2000);
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme-ascii', maxLength: 200 })), (line) => parsesOrRefuses(line)), { seed, numRuns });
  });

  it('mutated valid lines: a key or AuthorizedKeyError; parseAuthorizedKeys reports instead of throwing', () => {
    const { seed, numRuns } = propertyRun('authorized_keys mutated', 2000);
    fc.assert(fc.property(fc.array(mutatedLine, { minLength: 1, maxLength: 5 }), (lines) => {
      lines.forEach(parsesOrRefuses);
      let bad = 0;
      const keys = parseAuthorizedKeys(lines, () => { bad++; });
      expect(keys.length + bad).toBe(lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).length);
    }), { seed, numRuns });
  });

  it('a base64 blob of another key type than the line names is refused', () => {
    const [, edBlob] = ED.split(' ');
    expect(() => parseAuthorizedKey(`ssh-rsa ${edBlob}`)).toThrow(AuthorizedKeyError);
  });
});
