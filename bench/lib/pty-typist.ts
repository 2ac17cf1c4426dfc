/**
 * Drives an interactive client under a real PTY (node-pty) whose far side runs
 * `stty raw -echo; exec cat`: every byte typed comes straight back, so the time from write to
 * its echo is one keystroke round trip through the whole path.
 */
import * as pty from 'node-pty';

export const ECHO_CMD = "stty raw -echo; echo BENCH''READY; exec cat";
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export interface Typist {
  /** Resolves when the far side is ready to echo (false on timeout or exit). */
  ready: Promise<boolean>;
  /** Types one byte and resolves with the round trip in ms (NaN on timeout/exit). */
  key(timeoutMs?: number): Promise<number>;
  alive(): boolean;
  /** The last output before readiness (why a session did not come up). */
  tail(): string;
  kill(): Promise<void>;
}

export function startTypist(argv: string[], readyTimeoutMs = 120_000): Typist {
  const p = pty.spawn(argv[0], argv.slice(1), { name: 'xterm', cols: 80, rows: 24, env: { ...process.env, TERM: 'xterm' } });
  let buf = '';
  let exited = false;
  let waiter: { ch: string; t0: bigint; resolve: (ms: number) => void; timer: NodeJS.Timeout } | null = null;
  let readyResolve: ((ok: boolean) => void) | null = null;
  const ready = new Promise<boolean>((r) => { readyResolve = r; });
  const readyTimer = setTimeout(() => { readyResolve?.(false); readyResolve = null; }, readyTimeoutMs);
  let i = 0;
  const exitDone = new Promise<void>((r) => p.onExit(() => {
    exited = true;
    clearTimeout(readyTimer);
    readyResolve?.(false);
    readyResolve = null;
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(NaN);
      waiter = null;
    }
    r();
  }));
  p.onData((d) => {
    const now = process.hrtime.bigint();
    if (readyResolve) {
      buf += d;
      if (buf.includes('BENCHREADY')) {
        clearTimeout(readyTimer);
        readyResolve(true);
        readyResolve = null;
        buf = '';
      } else if (buf.length > 65536) buf = buf.slice(-1024);
      return;
    }
    if (waiter && d.includes(waiter.ch)) {
      const w = waiter;
      waiter = null;
      clearTimeout(w.timer);
      w.resolve(Number(now - w.t0) / 1e6);
    }
  });
  return {
    ready,
    alive: () => !exited,
    tail: () => buf.slice(-300),
    key(timeoutMs = 10_000) {
      return new Promise<number>((resolve) => {
        if (exited) { resolve(NaN); return; }
        const ch = LETTERS[i++ % LETTERS.length];
        const timer = setTimeout(() => { waiter = null; resolve(NaN); }, timeoutMs);
        waiter = { ch, t0: process.hrtime.bigint(), resolve, timer };
        p.write(ch);
      });
    },
    async kill() {
      if (!exited) {
        try { p.kill('SIGHUP'); } catch { /* gone */ }
        const t = setTimeout(() => { try { p.kill('SIGKILL'); } catch { /* gone */ } }, 5000);
        await exitDone;
        clearTimeout(t);
      }
    },
  };
}
