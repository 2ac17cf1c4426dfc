import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecOutcome, ExecRequest, ExecSession, PodExecutor } from '../../kube/types.ts';

/**
 * A PodExecutor that runs each exec as a local child process: the file layer's code path minus
 * the WebSocket. `busybox` mode puts only busybox applets on PATH (like the `tiny` pod, but not
 * chrooted). Used by unit tests and by the sftp benchmark's baseline; not by podgate itself.
 */
export class LocalExecutor implements PodExecutor {
  readonly #env: NodeJS.ProcessEnv;
  readonly #cwd: string;
  readonly #bbdir: string | null;
  /** Every argv started, for tests that count execs. */
  readonly started: string[][] = [];

  readonly #uid: number | undefined;

  constructor(opts: { busybox?: boolean; cwd?: string; home?: string; uid?: number } = {}) {
    this.#uid = opts.uid;
    this.#cwd = opts.cwd ?? process.cwd();
    if (opts.busybox === true) {
      this.#bbdir = mkdtempSync(join(tmpdir(), 'podgate-bb-'));
      chmodSync(this.#bbdir, 0o755);
      execFileSync('busybox', ['--install', '-s', this.#bbdir]);
      this.#env = { PATH: this.#bbdir, HOME: opts.home ?? '/nonexistent' };
    } else {
      this.#bbdir = null;
      this.#env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.home ?? '/nonexistent' };
    }
  }

  exec(req: ExecRequest): Promise<ExecSession> {
    this.started.push(req.command);
    const [cmd, ...args] = req.command;
    const file = this.#bbdir !== null && cmd !== undefined && !cmd.includes('/') ? join(this.#bbdir, cmd) : cmd;
    const child = spawn(file ?? 'sh', args, { cwd: this.#cwd, env: this.#env, ...(this.#uid === undefined ? {} : { uid: this.#uid, gid: this.#uid }), stdio: [req.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const done = new Promise<ExecOutcome>((resolve) => {
      child.on('error', (err) => { resolve({ exitCode: 127 }); void err; });
      child.on('close', (code, signal) => {
        resolve({ exitCode: code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGPIPE' ? 13 : 15) });
      });
    });
    child.stdin?.on('error', () => { /* EPIPE: the outcome says what happened */ });
    const session: ExecSession = {
      stdin: child.stdin ?? null,
      stdout: child.stdout!,
      stderr: child.stderr!,
      resize: () => undefined,
      done,
      abort: () => { child.stdin?.destroy(); child.stdout?.destroy(); child.stderr?.destroy(); },
    };
    return Promise.resolve(session);
  }

  /** Removes the applet directory (busybox mode). */
  dispose(): void {
    if (this.#bbdir !== null) rmSync(this.#bbdir, { recursive: true, force: true });
  }
}
