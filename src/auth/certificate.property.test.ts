/**
 * Certificate parsing and checking under mutation: every single-bit flip and every truncation
 * of a valid ssh-keygen certificate is refused (exhaustively, for an ed25519 one), random
 * multi-byte mutations and appended bytes of ed25519, ecdsa and RSA certificates are refused
 * (fast-check), and arbitrary bytes only ever raise CertificateFormatError. Run count and seed
 * are printed (src/auth/property-seed.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CertificateFormatError, parseCertificate } from './certificate-parse.ts';
import { checkUserCertificate } from './certificate.ts';
import { propertyRun } from './property-seed.ts';

const dir = mkdtempSync(join(tmpdir(), 'podgate-certprop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name: string, type: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-f', join(dir, name)]);
  return join(dir, name);
}
const ca = keygen('ca', 'ed25519');
const caBlob = Buffer.from(readFileSync(`${ca}.pub`, 'utf8').split(' ')[1], 'base64');
function certOf(type: string): Buffer {
  const k = keygen(`user-${type}`, type);
  execFileSync('ssh-keygen', ['-q', '-s', ca, '-I', 'prop', '-n', 'alice', '-V', '-1h:+1d', '-O', 'source-address=127.0.0.1/32', `${k}.pub`]);
  return Buffer.from(readFileSync(`${k}-cert.pub`, 'utf8').split(' ')[1], 'base64');
}
const certs = { ed25519: certOf('ed25519'), ecdsa: certOf('ecdsa'), rsa: certOf('rsa') };

const check = (blob: Buffer) => checkUserCertificate(blob, 'alice', [caBlob], '127.0.0.1');

/** Parsing throws nothing but CertificateFormatError; the check never throws. */
function refusedQuietly(blob: Buffer): boolean {
  try {
    parseCertificate(blob);
  } catch (e) {
    if (!(e instanceof CertificateFormatError)) throw e;
  }
  return check(blob).ok === false;
}

describe('certificate mutations (property)', () => {
  it('the unmutated certificates pass', () => {
    for (const c of Object.values(certs)) expect(check(c)).toMatchObject({ ok: true });
  });

  it('every single-bit flip and every truncation of an ed25519 certificate is refused', () => {
    const c = certs.ed25519;
    let tried = 0;
    for (let i = 0; i < c.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const m = Buffer.from(c);
        m[i] ^= 1 << bit;
        expect(refusedQuietly(m), `byte ${i} bit ${bit}`).toBe(true);
        tried++;
      }
      expect(refusedQuietly(c.subarray(0, i)), `truncated to ${i}`).toBe(true);
    }
    console.log(`exhaustive: ${tried} bit flips and ${c.length} truncations of a ${c.length}-byte certificate`);
  });

  it('random byte edits and appended bytes of ed25519, ecdsa and RSA certificates are refused', () => {
    const { seed, numRuns } = propertyRun('certificate mutations', 600);
    const edit = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 }));
    fc.assert(fc.property(
      fc.constantFrom(...Object.keys(certs) as (keyof typeof certs)[]),
      fc.oneof(
        fc.array(edit, { minLength: 1, maxLength: 8 }).map((edits) => ({ edits, append: null as Uint8Array | null })),
        fc.uint8Array({ minLength: 1, maxLength: 64 }).map((append) => ({ edits: [] as [number, number][], append })),
      ),
      (type, { edits, append }) => {
        const m = Buffer.from(certs[type]);
        for (const [at, xor] of edits) m[at % m.length] ^= xor;
        const blob = append ? Buffer.concat([m, append]) : m;
        expect(refusedQuietly(blob)).toBe(true);
      },
    ), { seed, numRuns });
  });

  it('arbitrary bytes, and a certificate prefix followed by arbitrary bytes, raise only CertificateFormatError', () => {
    const { seed, numRuns } = propertyRun('certificate arbitrary bytes', 2000);
    fc.assert(fc.property(fc.nat(certs.rsa.length - 1), fc.uint8Array({ maxLength: 512 }), (cut, tail) => {
      expect(refusedQuietly(Buffer.from(tail))).toBe(true);
      // A tail that happens to restore the cut bytes gives back the valid certificate itself
      // (seed 1354444906: cut at length-1, tail = the original last byte): not a mutation.
      const mutated = Buffer.concat([certs.rsa.subarray(0, cut), tail]);
      if (!mutated.equals(certs.rsa)) expect(refusedQuietly(mutated)).toBe(true);
    }), { seed, numRuns });
  });
});
