/**
 * What replicas ask each other after the handshake: one JSON request, one JSON answer, then
 * (for an attach, watch or resume) the terminal; an adopt ends with its answer. Requests are checked field by field before any handler sees
 * them; the requester's claim about the user is trusted only because the requester proved the
 * shared secret (it is a replica that authenticated that user itself).
 */
import type { ErrorCode } from '../errors/index.ts';

export interface AttachRequest {
  /** `resume`: `sessions.resume: auto` on the front; an attach the holder grants only while the session is detached. */
  op: 'attach' | 'watch' | 'resume';
  /** The podgate user who asked (authenticated by the requesting replica). */
  user: string;
  /** The session id. */
  id: string;
  cols: number;
  rows: number;
  /** The requesting replica's advertise address (for the audit log). */
  from: string;
}
/**
 * `adopt`: the requesting replica takes over the lingering processes of the holder's dropped
 * non-PTY session `id` (the requester tracked them in its reaper journal first). No terminal:
 * one answer, then the connection ends.
 */
export interface AdoptRequest {
  op: 'adopt';
  user: string;
  id: string;
  from: string;
}
export type RelayRequest = AttachRequest | AdoptRequest;

export type RelayAnswer = { ok: true } | { ok: false; code: ErrorCode; message: string };

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const USER = /^[a-z0-9][a-z0-9._-]{0,252}$/;
const dim = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 10_000;

export function parseRequest(payload: Buffer): RelayRequest | null {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const from = typeof v.from === 'string' && v.from.length <= 300 ? v.from : '';
  if (typeof v.user !== 'string' || !USER.test(v.user)) return null;
  if ((v.op === 'attach' || v.op === 'watch' || v.op === 'resume') && typeof v.id === 'string' && ID.test(v.id) && dim(v.cols) && dim(v.rows)) {
    return { op: v.op, user: v.user, id: v.id, cols: v.cols, rows: v.rows, from };
  }
  if (v.op === 'adopt' && typeof v.id === 'string' && ID.test(v.id) && v.cols === undefined && v.rows === undefined) {
    return { op: 'adopt', user: v.user, id: v.id, from };
  }
  return null;
}
