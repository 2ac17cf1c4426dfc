/**
 * A process started by an exec, with or without a PTY, behind one shape. `onDone` fires once
 * the process has exited and its output is drained (containerd waits for the IO to finish, so a
 * background child still holding stdout keeps the exec open, as on a real cluster).
 */
import { spawn as spawnChild } from 'node:child_process';
import { constants } from 'node:os';
import * as pty from 'node-pty';
import type { LaunchCommand } from './container-context.ts';

export interface ExecProcess {
  pid: number | undefined;
  /** Writes to stdin; false asks the caller to wait for `onStdinDrain`. */
  writeStdin(data: Buffer): boolean;
  onStdinDrain(cb: () => void): void;
  /** stdin EOF (no-op under a PTY: the shim holds the master, nothing reaches the process). */
  endStdin(): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
}

export interface ExecHandlers {
  onStdout(data: Buffer): void;
  onStderr(data: Buffer): void;
  onDone(exitCode: number): void;
}

function signalExit(signal: NodeJS.Signals | number | null | undefined, code: number | null | undefined): number {
  if (typeof signal === 'number' && signal > 0) return 128 + signal;
  if (typeof signal === 'string') return 128 + (constants.signals[signal] ?? 0);
  return code ?? 0;
}

export function startPipeProcess(cmd: LaunchCommand, io: { stdin: boolean; stdout: boolean; stderr: boolean }, h: ExecHandlers): ExecProcess {
  const child = spawnChild(cmd.file, cmd.args, {
    env: cmd.env,
    cwd: '/',
    stdio: [io.stdin ? 'pipe' : 'ignore', io.stdout ? 'pipe' : 'ignore', io.stderr ? 'pipe' : 'ignore'],
  });
  child.stdin?.on('error', () => undefined);
  child.stdout?.on('error', () => undefined);
  child.stderr?.on('error', () => undefined);
  child.stdout?.on('data', (d: Buffer) => h.onStdout(d));
  child.stderr?.on('data', (d: Buffer) => h.onStderr(d));
  let done = false;
  const finish = (code: number): void => {
    if (done) return;
    done = true;
    h.onDone(code);
  };
  child.on('error', () => finish(126));
  child.on('close', (code, signal) => finish(signalExit(signal, code)));
  return {
    pid: child.pid,
    writeStdin: (data) => (child.stdin && !child.stdin.destroyed ? child.stdin.write(data) : true),
    onStdinDrain: (cb) => {
      if (child.stdin) child.stdin.once('drain', cb);
      else cb();
    },
    endStdin: () => {
      child.stdin?.end();
    },
    resize: () => undefined,
    pause: () => {
      child.stdout?.pause();
      child.stderr?.pause();
    },
    resume: () => {
      child.stdout?.resume();
      child.stderr?.resume();
    },
  };
}

export function startPtyProcess(cmd: LaunchCommand, size: { cols: number; rows: number }, h: ExecHandlers): ExecProcess {
  const term = pty.spawn(cmd.file, cmd.args, {
    cols: size.cols,
    rows: size.rows,
    cwd: '/',
    env: cmd.env,
    encoding: null,
  });
  term.onData((d) => h.onStdout(typeof d === 'string' ? Buffer.from(d) : Buffer.from(d as unknown as Uint8Array)));
  term.onExit(({ exitCode, signal }) => h.onDone(signalExit(signal, exitCode)));
  return {
    pid: term.pid,
    writeStdin: (data) => {
      term.write(data);
      return true;
    },
    onStdinDrain: (cb) => cb(),
    endStdin: () => undefined,
    resize: (cols, rows) => {
      if (cols > 0 && rows > 0) {
        try {
          term.resize(cols, rows);
        } catch {
          /* the pty is gone */
        }
      }
    },
    pause: () => term.pause(),
    resume: () => term.resume(),
  };
}
