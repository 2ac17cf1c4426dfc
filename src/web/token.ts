/**
 * Secrets of the browser terminal: one-time link tokens and session cookies. Each is 128 bits
 * from the CSPRNG, sent once to its holder, and kept by podgate only as its SHA-256 (a memory
 * dump or a log holds nothing that opens a terminal). Lookups go by the hash; the final check
 * compares the hashes in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 16 random bytes, base64url: 22 characters. */
const TOKEN = /^[A-Za-z0-9_-]{22}$/;

export function newToken(): string {
  return randomBytes(16).toString('base64url');
}

/** Whether `text` has a token's shape (checked before anything is hashed or looked up). */
export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Constant-time comparison of two token hashes. */
export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A short public id (links and sessions in the audit log, the session's URL path). */
export function newId(): string {
  return randomBytes(8).toString('hex');
}
