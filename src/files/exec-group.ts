/**
 * The data execs of one session's file layer (one `cat`/`tail` per open SFTP file, scp's
 * streams): each runs under the reaper's wrapper with an id of its own (`SESSION.fN`), so that
 * a stream cut off by the client (or a whole session that ends) leaves no process behind in
 * the container. Streams that did not exit by themselves are ended in batches, one exec at a
 * time per session (STREAM_KILL_SCRIPT: TERM to the stream's process group, KILL after the
 * reap grace period); the markers of streams that exited are removed by the same script when
 * the session ends.
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
}

export interface ExecGroup {
  /** The argv that runs `script` with `sh -c`, findable by its marker. */
  wrap(script: string): WrappedExec;
  /** Ends every stream still running and removes all markers; resolves when all is done. */
  close(): Promise<void>;
}

/** No reaper configured: plain `sh -c`. */
export const UNWRAPPED: ExecGroup = {
  wrap: (script) => ({ argv: ['sh', '-c', script], ended: () => undefined }),
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
  let busy: Promise<void> | null = null;

  /** Runs the kill execs, one at a time, until nothing is left to end. */
  const drain = (): Promise<void> => {
    if (busy === null && toKill.length > 0) {
      busy = (async () => {
        while (toKill.length > 0) await killStreams(executor, target, toKill.splice(0, BATCH), graceMs);
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
          else { toKill.push(id); void drain(); }
        },
      };
    },
    async close() {
      toKill.push(...running, ...exited.splice(0));
      running.clear();
      await drain();
    },
  };
}

async function killStreams(executor: PodExecutor, target: ReapTarget, ids: string[], graceMs: number): Promise<void> {
  try {
    const exec = await executor.exec({ ...target, command: ['/bin/sh', '-c', STREAM_KILL_SCRIPT, 'podgate-kill', String(Math.max(0, Math.round(graceMs))), ...ids], stdin: false, tty: false });
    exec.stdout.resume();
    exec.stdout.on('error', () => undefined);
    exec.stderr?.resume();
    exec.stderr?.on('error', () => undefined);
    await exec.done;
  } catch {
    /* the session's own reap still ends the helper; a stream left here is reported by no one */
  }
}
