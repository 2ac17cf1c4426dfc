/**
 * The seam between the session bridge (which opens execs and knows when an SSH session ends)
 * and the reaper (which makes sure nothing the session started outlives it). Kubernetes
 * signals nothing when an exec stream closes, so podgate starts every session wrapped so that
 * all its processes can be found, and ends them with a second exec as the same identity.
 */
import type { ContainerRef, Identity } from '../kube/types.ts';

export interface ReapTarget extends ContainerRef {
  identity: Identity;
}

export interface ReapReport {
  sessionId: string;
  /** Processes found when the reap started (pid and command line). */
  found: { pid: number; args: string }[];
  /** How they ended: none left, TERM was enough, KILL was needed, or the reap failed. */
  outcome: 'none' | 'term' | 'kill' | 'failed';
  /** Milliseconds from the start of the reap to a clean container. */
  durationMs: number;
  error?: string;
}

/** One live session as a crashed podgate left it: enough to reap it as the same identity. */
export interface JournalEntry {
  sessionId: string;
  target: ReapTarget;
  startedAt: string;
  /** The podgate user whose session it was (absent in entries of older podgate versions). */
  user?: string;
}

export interface SessionReaper {
  /**
   * The argv to exec for a session: runs `command` as sshd would (`/bin/sh -c command`), or a
   * login shell when command is null (bash if present, else sh), so that every process it
   * starts can be found later. It must not change what the user sees: output, exit status,
   * environment, PTY.
   */
  wrap(sessionId: string, command: string | null, tty: boolean): string[];
  /** Ends every process the session started: TERM to all, KILL after the grace period. */
  reap(target: ReapTarget, sessionId: string, reason: string): Promise<ReapReport>;
  /** Records a live session (of podgate user `user`) so a restarted podgate can reap it after a crash. */
  track(target: ReapTarget, sessionId: string, user?: string): Promise<void>;
  /** Forgets a session once it was reaped (or ended cleanly and reaped). */
  untrack(sessionId: string): Promise<void>;
  /**
   * On start-up: reaps the sessions a previous podgate process left in its journal. With
   * `trust`, only entries it accepts (a reason string refuses one; the entry is dropped).
   */
  recover(trust?: (entry: JournalEntry) => string | null): Promise<ReapReport[]>;
}
