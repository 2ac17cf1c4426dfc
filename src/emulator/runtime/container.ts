/**
 * One container: its context, its main process (fixture `command`, or an idle one), its log
 * and state. The main process's stdout/stderr go line by line into the container log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { ContainerLogBuffer } from './container-log.ts';
import { launchCommand, lookupError, type ContainerContext } from './container-context.ts';
import { rfc3339NanoNow } from './rfc3339nano.ts';
import type { ContainerState } from './types.ts';

const IDLE = ['sleep', '2147483647'];

export class Container {
  state: ContainerState;
  readonly log = new ContainerLogBuffer();
  private main: ChildProcess | null = null;
  /** Called once when the main process ends: the runtime kills what is left (PID 1 is gone). */
  onTerminated: (() => void) | null = null;

  constructor(
    readonly ctx: ContainerContext,
    readonly command: string[] | undefined,
    readonly previous: ContainerLogBuffer | null,
    initial: ContainerState,
  ) {
    this.state = initial;
  }

  get running(): boolean {
    return this.state.state === 'running';
  }

  /** Starts the main process; a program that cannot be found terminates the container. */
  async start(): Promise<void> {
    const argv = this.command && this.command.length > 0 ? this.command : IDLE;
    const err = await lookupError(this.ctx, argv[0]);
    if (err) {
      this.log.write('stderr', Buffer.from(`${err}\n`));
      this.terminate(128, 'StartError');
      return;
    }
    const cmd = launchCommand(this.ctx, argv);
    const child = spawn(cmd.file, cmd.args, { env: cmd.env, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    this.main = child;
    const startedAt = this.state.state === 'running' ? this.state.startedAt : rfc3339NanoNow();
    this.state = { state: 'running', startedAt };
    child.stdout.on('data', (d: Buffer) => this.log.write('stdout', d));
    child.stderr.on('data', (d: Buffer) => this.log.write('stderr', d));
    child.stdout.on('error', () => undefined);
    child.stderr.on('error', () => undefined);
    child.on('error', (e) => {
      this.log.write('stderr', Buffer.from(`${e.message}\n`));
      this.terminate(128, 'StartError');
    });
    child.on('close', (code, signal) => {
      const exitCode = signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 0);
      this.terminate(exitCode, exitCode === 0 ? 'Completed' : 'Error');
    });
  }

  /** Marks the container terminated (the main process is gone or is being killed). */
  terminate(exitCode: number, reason: string): void {
    if (this.state.state === 'terminated') return;
    this.state = { state: 'terminated', exitCode, reason, finishedAt: rfc3339NanoNow() };
    this.main = null;
    this.log.end();
    const cb = this.onTerminated;
    this.onTerminated = null;
    cb?.();
  }

  get mainPid(): number | undefined {
    return this.main?.pid;
  }
}
