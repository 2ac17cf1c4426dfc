/**
 * The seam of sessions that outlive a connection: a client terminal is any duplex byte stream
 * with a size (an SSH channel, or a relay from another replica), so whatever carries it can
 * attach it to a live session with `attachTerminal()`.
 */
import type { Duplex } from 'node:stream';
import type { WindowSize } from '../ssh/types.ts';

/** A client's terminal, attached to (or watching) a live session. */
export interface TerminalPeer {
  /** Output is written to it; for the attached client, its data is the session's input. */
  readonly stream: Duplex;
  readonly cols: number;
  readonly rows: number;
  /** One `podgate: ...` line to this client only (never part of the session's screen). */
  notice(text: string): void;
}

/** Why a client stopped being attached to (or watching) a session. */
export type AttachEnd =
  /** The session's process ended (its outcome is the session owner's to report). */
  | { kind: 'exit'; exitCode: number | null }
  /** podgate ended the session (shutdown, maximum time, ...): the line to show. */
  | { kind: 'ended'; message: string }
  /** Another client attached to the session. */
  | { kind: 'taken' }
  /** The client itself left (`detach()`). */
  | { kind: 'left' }
  /** A watcher that could not keep up was dropped. */
  | { kind: 'dropped'; message: string };

export interface AttachHandle {
  /** The client's window changed (ignored for watchers and for a client no longer attached). */
  resize(size: WindowSize): void;
  /** The client is gone: a PTY session with a grace is detached, else it ends. */
  detach(): void;
  /** Settles once, when this client is no longer attached or watching. */
  readonly ended: Promise<AttachEnd>;
}

/**
 * Observers of a live session's streams (recordings): called with every output byte, every
 * input byte from the attached client, and every resize of the PTY. Must not throw or block.
 */
export interface SessionTap {
  output?(chunk: Buffer): void;
  input?(chunk: Buffer): void;
  resize?(size: WindowSize): void;
}

export type SessionState = 'attached' | 'detached' | 'watched';

export interface LiveTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** What `sessions` lists and `find(id)` returns: a live PTY session on this replica. */
export interface LiveSessionView {
  readonly id: string;
  /** The podgate user whose session it is. */
  readonly owner: string;
  readonly target: LiveTarget;
  readonly startedAt: Date;
  /** Milliseconds since the epoch of the last byte either way. */
  readonly lastActivity: number;
  readonly state: SessionState;
  /** Whether a client can attach (it has a screen mirror: `sessions.detachGraceSeconds` > 0). */
  readonly resumable: boolean;
  /** When it was detached (null while a client is attached). */
  readonly detachedAt: Date | null;
  attach(peer: TerminalPeer): AttachHandle;
  watch(peer: TerminalPeer, watcher: string): AttachHandle;
}
