/**
 * Session IDs: one random ID per session channel, made here and nowhere else. It names the
 * session in the audit log, marks its processes for the reaper, and is the file name of its
 * recording (`<dir>/<ID>.cast`), so every ID a user types (`play ID`) is checked against this
 * exact shape before it touches a path: 16 lowercase hex digits, nothing else (no `.`, `/`,
 * NUL or empty string can pass).
 */
import { randomBytes } from 'node:crypto';

const SESSION_ID = /^[0-9a-f]{16}$/;

export function newSessionId(): string {
  return randomBytes(8).toString('hex');
}

export function isSessionId(text: string): boolean {
  return SESSION_ID.test(text);
}
