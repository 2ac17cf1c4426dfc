import type { ExecOutcome, PodExecutor } from '../kube/types.ts';
import { PodgateError, toPodgateError } from '../errors/index.ts';
import type { ReapTarget } from './reaper-types.ts';
import { REAP_SCRIPT } from './reap-kill-script.ts';

const MAX_OUTPUT = 1 << 20;

export interface ReapRun {
  stdout: string;
  stderr: string;
  /** The exec's outcome, or the error that kept it from starting or finishing in time. */
  outcome: ExecOutcome;
}

/**
 * Runs the reap script in the session's container as the session's identity, and collects
 * what it prints. Never rejects: a refused exec or a run past `timeoutMs` becomes an error.
 */
export interface ReapRunOptions {
  graceMs: number;
  /** How long the script waits for the session's marker to appear. */
  markerWaitMs: number;
  /** Upper bound on the whole exec. */
  timeoutMs: number;
}

export async function runReapScript(executor: PodExecutor, target: ReapTarget, sessionId: string, o: ReapRunOptions): Promise<ReapRun> {
  const timeoutMs = o.timeoutMs;
  let exec;
  try {
    exec = await executor.exec({
      // Several clusters (docs/clusters.md): the executor routes by it; absent: the default.
      ...(target.cluster === undefined ? {} : { cluster: target.cluster }),
      namespace: target.namespace,
      pod: target.pod,
      container: target.container,
      identity: target.identity,
      command: ['/bin/sh', '-c', REAP_SCRIPT, 'podgate-reap', sessionId, msArg(o.graceMs), msArg(o.markerWaitMs)],
      stdin: false,
      tty: false,
    });
  } catch (err) {
    return { stdout: '', stderr: '', outcome: { error: toPodgateError(err) } };
  }
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let size = 0;
  const collect = (into: Buffer[]) => (chunk: Buffer): void => {
    if (size >= MAX_OUTPUT) return;
    size += chunk.length;
    into.push(chunk);
  };
  exec.stdout.on('data', collect(out));
  exec.stdout.on('error', () => undefined);
  exec.stderr?.on('data', collect(err));
  exec.stderr?.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<ExecOutcome>((resolve) => {
    timer = setTimeout(() => {
      exec.abort();
      resolve({ error: timeoutError(timeoutMs) });
    }, timeoutMs);
  });
  const outcome = await Promise.race([exec.done, timedOut]);
  clearTimeout(timer);
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), outcome };
}

function msArg(ms: number): string {
  return String(Math.max(0, Math.round(ms)));
}

function timeoutError(ms: number): PodgateError {
  return new PodgateError('API_TIMEOUT', undefined, { operatorMessage: `reap exec did not finish within ${ms} ms` });
}
