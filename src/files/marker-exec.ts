import type { ExecSession, PodExecutor } from '../kube/types.ts';
import { startExec, type ExecTarget } from './pod-fs/exec-target.ts';

export interface MarkedExec {
  exec: ExecSession;
  /** Output bytes that followed the marker. */
  leftover: Buffer;
}

/**
 * Runs a script that prints `marker` + newline just before it `exec`s the real program, or
 * exits without it when the program is missing. The caller learns which in one round trip and
 * has not yet consumed any of its channel's input, so it can still serve the request itself.
 */
export async function startMarkedExec(executor: PodExecutor, target: ExecTarget, argv: string[], marker: string): Promise<MarkedExec | null> {
  const mark = `${marker}\n`;
  const exec = await startExec(executor, target, argv);
  exec.stdin?.on('error', () => { /* done reports it */ });
  exec.stdout.on('error', () => { /* done reports it */ });
  exec.stderr?.on('error', () => { /* done reports it */ });
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      got = Buffer.concat([got, c]);
      if (got.length < mark.length) return;
      exec.stdout.off('data', onData);
      exec.stdout.pause();
      if (got.subarray(0, mark.length).toString('latin1') === mark) resolve({ exec, leftover: got.subarray(mark.length) });
      else { exec.stdin?.end(); exec.stderr?.resume(); exec.abort(); resolve(null); }
    };
    exec.stdout.on('data', onData);
    // No marker before the end of output: the program is missing (stderr is drained so the
    // exec can finish; it holds only the probe's own words).
    exec.stdout.once('end', () => { exec.stdout.off('data', onData); exec.stderr?.resume(); resolve(null); });
  });
}
