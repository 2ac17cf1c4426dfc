import type { ContainerRef, ExecRequest, ExecSession, Identity, PodExecutor } from '../../kube/types.ts';
import type { ExecGroup } from '../exec-group.ts';
import type { SessionStreams } from '../stream-slots.ts';

/** Where the file layer runs its execs: one container, as one user's identity. */
export interface ExecTarget extends ContainerRef {
  identity: Identity;
  /**
   * Turns the long-lived helper's script into the argv to exec (the session's reaper wrapper,
   * so it ends with the session). Default: `sh -c SCRIPT`.
   */
  wrap?: (script: string) => string[];
  /** Wraps each data stream so it ends with the session (default: plain `sh -c`, not reaped). */
  streams?: ExecGroup;
  /** Bounds the data streams open at once (default: no bound). */
  slots?: SessionStreams;
  /** The session is gone: execs not yet open are given up. */
  signal?: AbortSignal;
}

/** Starts `argv` in the target without a TTY, with stdin. */
export function startExec(executor: PodExecutor, target: ExecTarget, command: string[]): Promise<ExecSession> {
  const req: ExecRequest = {
    namespace: target.namespace, pod: target.pod, container: target.container,
    identity: target.identity, command, stdin: true, tty: false, ...(target.signal ? { signal: target.signal } : {}),
  };
  return executor.exec(req);
}

/** Collects a readable's bytes as a binary string, capped at `max` chars. */
export function collectText(stream: NodeJS.ReadableStream | null, max = 64 * 1024): () => string {
  let text = '';
  if (stream !== null) {
    stream.on('data', (c: Buffer) => { if (text.length < max) text += c.toString('latin1'); });
    stream.on('error', () => { /* the exec's outcome reports the failure */ });
  }
  return () => text;
}
