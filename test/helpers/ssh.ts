/**
 * Drives the real OpenSSH client against a podgate under test: one-shot commands (`ssh`), and
 * interactive sessions inside tmux (`startTmux`) for PTY behaviour (prompts, resizes).
 */
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';

/** What the client needs to know about the bastion: its port and each user's key file. */
export interface SshEndpoint {
  port: number;
  /** Private key path for a podgate user (the part of the SSH user before the first `+`). */
  keyFor(user: string): string;
}

export interface SshOptions {
  /** Data for the client's stdin (then EOF). Without it stdin is /dev/null (`-n` semantics). */
  input?: string | Buffer | Readable;
  /** Ask for a PTY (`-tt`). */
  tty?: boolean;
  /** Kill the client after this long (default 30 s); `timedOut` is then true. */
  timeoutMs?: number;
  /** Use this private key instead of the user's own (wrong-key and cross-user tests). */
  key?: string;
  /** Extra `-o` style options, e.g. ['-o', 'SetEnv=LANG=C.UTF-8']. */
  extraArgs?: string[];
}

export interface SshResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

const SSH = '/usr/bin/ssh';

/** The argv (after `ssh`) that reaches `sshUser@127.0.0.1` on the endpoint's port. */
export function sshArgs(ep: SshEndpoint, sshUser: string, args: string[], opts: Pick<SshOptions, 'key' | 'tty' | 'extraArgs'> = {}): string[] {
  const key = opts.key ?? ep.keyFor(sshUser.split('+')[0]);
  return [
    '-F', '/dev/null',
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'LogLevel=ERROR',
    '-o', 'ConnectTimeout=20',
    '-i', key,
    '-p', String(ep.port),
    ...(opts.tty ? ['-tt'] : []),
    ...(opts.extraArgs ?? []),
    `${sshUser}@127.0.0.1`,
    ...args,
  ];
}

/** Runs `ssh ... sshUser@127.0.0.1 args...` to completion. Never rejects on a non-zero exit. */
export function ssh(ep: SshEndpoint, sshUser: string, args: string[] = [], opts: SshOptions = {}): Promise<SshResult> {
  return runClient(SSH, sshArgs(ep, sshUser, args, opts), opts);
}

/**
 * Runs any client program (ssh with a custom argv, scp, sftp, rsync) asynchronously: never use
 * spawnSync in a test whose emulator runs in the same process (it would stall the API server).
 */
export function runClient(program: string, argv: string[], opts: Pick<SshOptions, 'input' | 'timeoutMs'> = {}): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => { /* the client may exit before reading all input */ });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
    const input = opts.input;
    if (input === undefined) child.stdin.end();
    else if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
    else {
      input.on('error', () => child.stdin.destroy());
      input.pipe(child.stdin);
    }
  });
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws `what`). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 20_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    // `last` is whatever the check threw, usually an Error; String() is the readable form of anything.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** An interactive client inside a detached tmux session (its own tmux server socket). */
export interface TmuxSession {
  /** Types text; `enter` appends Enter. Keys like 'C-c' go through `keys`. */
  type(text: string, enter?: boolean): void;
  keys(...keys: string[]): void;
  /** The visible pane text. */
  capture(): string;
  /** The pane's scrollback and visible text (what scrolled off the top, e.g. before a redraw). */
  history(): string;
  /** Polls the pane until `re` matches; returns the pane text. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  resize(cols: number, rows: number): void;
  /** True while the client inside is still running. */
  alive(): boolean;
  kill(): void;
}

/** Starts `ssh ... sshUser@127.0.0.1 args` in a tmux pane of the given size. */
export function startTmux(ep: SshEndpoint, sshUser: string, args: string[] = [], opts: { cols?: number; rows?: number; key?: string; tty?: boolean } = {}): TmuxSession {
  const sock = `podgate-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmux = (...a: string[]): string => execFileSync('tmux', ['-L', sock, ...a], { encoding: 'utf8' });
  const argv = [SSH, ...sshArgs(ep, sshUser, args, { key: opts.key, tty: opts.tty })];
  const shellLine = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // remain-on-exit keeps the pane (and its last output) after ssh ends.
  tmux('-f', '/dev/null', 'new-session', '-d', '-s', 't', '-x', String(opts.cols ?? 80), '-y', String(opts.rows ?? 24), `${shellLine}; echo "[ssh exited $?]"; sleep 600`);
  tmux('set-option', '-t', 't', 'window-size', 'manual');
  return {
    type(text, enter = false) {
      tmux('send-keys', '-t', 't', '-l', text);
      if (enter) tmux('send-keys', '-t', 't', 'Enter');
    },
    keys(...keys) {
      tmux('send-keys', '-t', 't', ...keys);
    },
    capture() {
      return tmux('capture-pane', '-p', '-t', 't');
    },
    history() {
      return tmux('capture-pane', '-p', '-S', '-', '-t', 't');
    },
    async waitFor(re, timeoutMs = 20_000) {
      let text = '';
      await waitFor(() => {
        text = tmux('capture-pane', '-p', '-t', 't');
        return re.test(text);
      }, `tmux pane to match ${re}; pane:\n${text}`, timeoutMs, 150);
      return text;
    },
    resize(cols, rows) {
      tmux('resize-window', '-t', 't', '-x', String(cols), '-y', String(rows));
    },
    alive() {
      return !/\[ssh exited \d+\]/.test(tmux('capture-pane', '-p', '-t', 't'));
    },
    kill() {
      try {
        tmux('kill-server');
      } catch {
        /* already gone */
      }
    },
  };
}

/**
 * The tmux clients one test file starts, all killed by `killAll` (its afterAll): the list every
 * tmux-driven test would otherwise keep itself.
 */
export function tmuxTracker(): { start: typeof startTmux; killAll(): void } {
  const started: TmuxSession[] = [];
  return {
    start: (...args) => {
      const t = startTmux(...args);
      started.push(t);
      return t;
    },
    killAll: () => {
      for (const t of started.splice(0)) t.kill();
    },
  };
}
