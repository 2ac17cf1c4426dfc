/**
 * The data execs of one session's file layer (one `cat`/`tail` per open SFTP file, scp's
 * streams): each runs under the reaper's wrapper with an id of its own (`SESSION.fN`), so that
 * a stream cut off by the client (or a whole session that ends) leaves no process behind in
 * the container. A stream that exited by itself only leaves its marker file, which close()
 * removes in one exec; one that did not is reaped (TERM, then KILL) in the background as soon
 * as it is abandoned, a few at a time.
 */
import type { ExecOutcome, PodExecutor } from '../kube/types.ts';
import type { ReapTarget, SessionReaper } from '../session/reaper-types.ts';

/** Reaps run at once per session. */
const REAP_CONCURRENCY = 4;
/** Marker names passed to one clean-up exec. */
const CLEAN_BATCH = 200;

const CLEAN_SCRIPT = [
  'for i; do',
  '  case $i in ""|*[!A-Za-z0-9._-]*) continue ;; esac',
  '  for d in /tmp /dev/shm /var/tmp; do',
  '    if [ -f "$d/.podgate-$i" ] && [ -O "$d/.podgate-$i" ]; then rm -f "$d/.podgate-$i"; fi',
  '  done',
  'done',
].join('\n');

export interface WrappedExec {
  argv: string[];
  /** Call once the exec's outcome is known. */
  ended(outcome: ExecOutcome): void;
}

export interface ExecGroup {
  /** The argv that runs `script` with `sh -c`, findable by the reaper. */
  wrap(script: string): WrappedExec;
  /** Ends every stream still running and removes the markers; resolves when all is done. */
  close(): Promise<void>;
}

/** No reaper configured: plain `sh -c`. */
export const UNWRAPPED: ExecGroup = {
  wrap: (script) => ({ argv: ['sh', '-c', script], ended: () => undefined }),
  close: () => Promise.resolve(),
};

export function createExecGroup(executor: PodExecutor, reaper: SessionReaper | undefined, target: ReapTarget, sessionId: string): ExecGroup {
  if (reaper === undefined) return UNWRAPPED;
  let n = 0;
  /** Started and not yet known to have exited. */
  const running = new Set<string>();
  const exited: string[] = [];
  const queue: string[] = [];
  let active = 0;
  let idle: (() => void) | null = null;

  const pump = (): void => {
    while (active < REAP_CONCURRENCY && queue.length > 0) {
      const id = queue.shift()!;
      active++;
      void reaper.reap(target, id, 'stream-end').catch(() => undefined).finally(() => {
        active--;
        pump();
      });
    }
    if (active === 0 && queue.length === 0 && idle !== null) { const f = idle; idle = null; f(); }
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
          // An exit status means the process tree ended; anything else (the stream was cut,
          // aborted, refused) may have left it running.
          if ('exitCode' in outcome) exited.push(id);
          else { queue.push(id); pump(); }
        },
      };
    },
    async close() {
      for (const id of running) queue.push(id);
      running.clear();
      pump();
      if (active > 0 || queue.length > 0) await new Promise<void>((r) => { idle = r; });
      while (exited.length > 0) await removeMarkers(executor, target, exited.splice(0, CLEAN_BATCH));
    },
  };
}

async function removeMarkers(executor: PodExecutor, target: ReapTarget, ids: string[]): Promise<void> {
  try {
    const exec = await executor.exec({ ...target, command: ['/bin/sh', '-c', CLEAN_SCRIPT, 'podgate-clean', ...ids], stdin: false, tty: false });
    exec.stdout.resume();
    exec.stdout.on('error', () => undefined);
    exec.stderr?.resume();
    exec.stderr?.on('error', () => undefined);
    await exec.done;
  } catch {
    /* a marker left behind names no process: the next reap of that id finds nothing */
  }
}
