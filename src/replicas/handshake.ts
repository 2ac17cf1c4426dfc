/**
 * Mutual authentication of two replicas that share a secret, before any other byte counts:
 *
 *   client → server  "PGR1" nonceC(32)
 *   server → client  "PGR1" nonceS(32)
 *   client → server  HMAC(secret, "podgate relay v1 client" | nonceC | nonceS)
 *   server → client  HMAC(secret, "podgate relay v1 server" | nonceC | nonceS)
 *
 * Each side proves the secret over the other side's fresh random nonce, so a recorded exchange
 * replays nowhere, and the two labels keep a proof from being reflected back. MACs are compared
 * in constant time. Both sides then derive one AES-256-GCM key per direction from the same
 * transcript (channel.ts): everything after the handshake is encrypted and authenticated.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const MAGIC = Buffer.from('PGR1');
const NONCE_BYTES = 32;
export const HELLO_BYTES = MAGIC.length + NONCE_BYTES;
export const MAC_BYTES = 32;

export interface Transcript {
  clientNonce: Buffer;
  serverNonce: Buffer;
}

function mac(secret: Buffer, label: string, t: Transcript): Buffer {
  return createHmac('sha256', secret).update(label).update(t.clientNonce).update(t.serverNonce).digest();
}

export function hello(): { bytes: Buffer; nonce: Buffer } {
  const nonce = randomBytes(NONCE_BYTES);
  return { bytes: Buffer.concat([MAGIC, nonce]), nonce };
}

/** The nonce of a peer's hello, or null when it is not one. */
export function parseHello(b: Buffer): Buffer | null {
  if (b.length !== HELLO_BYTES || !b.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  return Buffer.from(b.subarray(MAGIC.length));
}

export function clientProof(secret: Buffer, t: Transcript): Buffer {
  return mac(secret, 'podgate relay v1 client', t);
}

export function serverProof(secret: Buffer, t: Transcript): Buffer {
  return mac(secret, 'podgate relay v1 server', t);
}

/** Constant-time comparison of a received proof with the expected one. */
export function proofMatches(expected: Buffer, got: Buffer): boolean {
  return got.length === expected.length && timingSafeEqual(expected, got);
}

/** One key per direction, bound to both nonces. */
export function sessionKeys(secret: Buffer, t: Transcript): { clientToServer: Buffer; serverToClient: Buffer } {
  return { clientToServer: mac(secret, 'podgate relay v1 key c2s', t), serverToClient: mac(secret, 'podgate relay v1 key s2c', t) };
}
