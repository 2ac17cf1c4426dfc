/**
 * The data execs of one session's file layer (one `cat`/`tail` per open SFTP file, scp's
 * streams): each runs under the reaper's wrapper with an id of its own (`SESSION.fN`), so that
 * a stream cut off by the client (or a whole session that ends) leaves no process behind in
 * the container. Streams that did not exit by themselves are ended in batches, one exec at a
 * time per session (STREAM_KILL_SCRIPT: TERM to the stream's process group, KILL after the
 * reap grace period); the markers of streams that exited are removed by the same script when
 * the session ends.
 *
 * A stream that is no longer wanted (its SFTP handle closed, its session gone) is `cut`: its
 * process is ended FIRST and its exec stream dropped only after the kill exec ran. Dropping
 * first, as a network cut does, leaves the process running unheard while the runtime reads its
 * output into nothing (containerd's exec IO, and the emulator's, keep draining): a `cat
 * /dev/zero` then spins at full speed until the kill arrives, and hundreds of them (one per
 * handle of a hostile SFTP flood) starve the node's runtime so far that the kill execs, and
 * every other user's exec, time out (issue #13: logins timed out after the 20-user attack).
 * Kept open and paused, the stream's process blocks on a full pipe and costs nothing until
 * the kill. A kill exec is bounded in time, so a dead API server cannot hold a stream forever.
 */
import type { ExecOutcome, PodExecutor } from '../kube/types.ts';
import type { ReapTarget, SessionReaper } from '../session/reaper-types.ts';
import { STREAM_KILL_SCRIPT } from './stream-kill-script.ts';

/** Ids passed to one exec (argv stays far below ARG_MAX). */
const BATCH = 200;

interface WrappedExec {
  argv: string[];
  /** Call once the exec's outcome is known. */
  ended(outcome: ExecOutcome): void;
  /**
   * The stream is not wanted any more: ends its process, then calls `abort` (which drops the
   * exec stream). Until then the caller keeps the stream open and its output paused.
   */
  cut(abort: () => void): void;
}

export interface ExecGroup {
  /** The argv that runs `script` with `sh -c`, findable by its marker. */
  wrap(script: string): WrappedExec;
  /** Ends every stream still running and removes all markers; resolves when all is done. */
  close(): Promise<void>;
}

/** No reaper configured: plain `sh -c`. */
export const UNWRAPPED: ExecGroup = {
  wrap: (script) => ({ argv: ['sh', '-c', script], ended: () => undefined, cut: (abort) => { abort(); } }),
  close: () => Promise.resolve(),
};

export function createExecGroup(executor: PodExecutor, reaper: SessionReaper | undefined, target: ReapTarget, sessionId: string, graceMs: number): ExecGroup {
  if (reaper === undefined) return UNWRAPPED;
  let n = 0;
  /** Started and not yet known to have ended. */
  const running = new Set<string>();
  /** Exited by themselves: only their markers are left. */
  const exited: string[] = [];
  /** Cut off while maybe still running: to be ended. */
  const toKill: string[] = [];
  /** Queued for, or inside, a kill exec not yet finished. */
  const killing = new Set<string>();
  /** Streams to drop once the kill exec that ends their process has run. */
  const afterKill = new Map<string, () => void>();
  let busy: Promise<void> | null = null;

  const queueKill = (ids: Iterable<string>): void => {
    for (const id of ids) {
      toKill.push(id);
      killing.add(id);
    }
  };

  /** Runs the kill execs, one at a time, until nothing is left to end. */
  const drain = (): Promise<void> => {
    if (busy === null && toKill.length > 0) {
      busy = (async () => {
        while (toKill.length > 0) {
          const batch = toKill.splice(0, BATCH);
          // A failed kill exec (an overloaded or unreachable API server) is tried again before
          // the streams are dropped: dropped, their processes would run on unheard.
          for (let attempt = 1; !(await killStreams(executor, target, batch, graceMs)) && attempt < KILL_ATTEMPTS; attempt++) {
            await new Promise((r) => setTimeout(r, KILL_RETRY_MS * attempt));
          }
          for (const id of batch) {
            killing.delete(id);
            const abort = afterKill.get(id);
            afterKill.delete(id);
            abort?.();
          }
        }
      })().finally(() => { busy = null; });
    }
    return busy ?? Promise.resolve();
  };

  return {
    wrap(script) {
      const id = `${sessionId}.f${++n}`;
      running.add(id);
      return {
        argv: reaper.wrap(id, script, false),
        ended(outcome) {
          // Not running any more, or already handed to close(): nothing to do.
          if (!running.delete(id)) return;
          // An exit status means the stream's process ended; anything else (the stream was
          // cut, aborted, refused) may have left it running.
          if ('exitCode' in outcome) exited.push(id);
          else { queueKill([id]); void drain(); }
        },
        cut(abort) {
          if (running.delete(id)) queueKill([id]);
          else if (!killing.has(id)) return abort(); // exited (or ended) already: nothing runs
          afterKill.set(id, abort);
          void drain();
        },
      };
    },
    async close() {
      queueKill([...running, ...exited.splice(0)]);
      running.clear();
      await drain();
    },
  };
}

/** A kill exec that has not finished this long after its grace period is given up on. */
const KILL_EXEC_SLACK_MS = 30_000;
/** Kill execs tried for one batch before its streams are dropped anyway, and the pause between. */
const KILL_ATTEMPTS = 3;
const KILL_RETRY_MS = 2000;

/** True when the kill exec ran to its end. */
async function killStreams(executor: PodExecutor, target: ReapTarget, ids: string[], graceMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const exec = await executor.exec({ ...target, command: ['/bin/sh', '-c', STREAM_KILL_SCRIPT, 'podgate-kill', String(Math.max(0, Math.round(graceMs))), ...ids], stdin: false, tty: false });
    exec.stdout.resume();
    exec.stdout.on('error', () => undefined);
    exec.stderr?.resume();
    exec.stderr?.on('error', () => undefined);
    const late = new Promise<null>((resolve) => { timer = setTimeout(() => { exec.abort(); resolve(null); }, graceMs + KILL_EXEC_SLACK_MS); });
    const outcome = await Promise.race([exec.done, late]);
    return outcome !== null && 'exitCode' in outcome;
  } catch {
    return false; // the session's own reap still ends the helper
  } finally {
    clearTimeout(timer);
  }
}
