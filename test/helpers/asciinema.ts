/**
 * Runs the real asciinema player (Debian `asciinema`) against a recording. It needs a
 * terminal (`cat` opens /dev/tty and sets it raw), so it runs under node-pty; what it writes
 * reaches us through the PTY unchanged (raw mode: no CR is added before LF).
 */
import * as pty from 'node-pty';

export interface PtyRun {
  code: number;
  out: Buffer;
}

/** Runs argv under a PTY until it exits (or `timeoutMs`, then it is killed and code is -1). */
export function runUnderPty(argv: string[], opts: { cols?: number; rows?: number; timeoutMs?: number } = {}): Promise<PtyRun> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const p = pty.spawn(argv[0], argv.slice(1), {
      name: 'xterm', cols: opts.cols ?? 200, rows: opts.rows ?? 50, encoding: null,
      env: { ...process.env, TERM: 'xterm', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', PYTHONIOENCODING: 'utf-8' },
    });
    p.onData((d: Buffer | string) => chunks.push(Buffer.isBuffer(d) ? d : Buffer.from(d)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    p.onExit(({ exitCode }) => {
      clearTimeout(timer);
      // node-pty may report the exit before the last output was read.
      setTimeout(() => resolve({ code: timedOut ? -1 : exitCode, out: Buffer.concat(chunks) }), 300);
    });
  });
}

/** `asciinema cat FILE`: the recording's output, no timing. */
export function asciinemaCat(file: string): Promise<PtyRun> {
  return runUnderPty(['asciinema', 'cat', file]);
}
