/** Process helpers for the bench: run a shell line to completion, read a process's RSS. */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Quotes one argument for /bin/sh. */
function q(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellLine(argv: string[]): string {
  return argv.map(q).join(' ');
}

/** Runs `sh -c line`, timing it from spawn to close. Never rejects on a non-zero exit. */
export function sh(line: string, timeoutMs = 600_000): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/bin/sh', ['-c', line], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => { out += d; });
    child.stderr.on('data', (d: string) => { err += d; });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out, stderr: err, ms: performance.now() - t0 });
    });
  });
}

/** Resident set size of a process in KiB (VmRSS), or NaN when it is gone. */
export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * CPU seconds (user + system, all threads) a process has used: itself, plus with `children`
 * what its exited and reaped children used. NaN when it is gone.
 */
export function cpuSeconds(pid: number, children = false): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ').map(Number);
    const ticks = f[11] + f[12] + (children ? f[13] + f[14] : 0);
    return ticks / CLK_TCK;
  } catch {
    return NaN;
  }
}
/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLK_TCK = 100;

/**
 * CPU seconds a process has used, to the nanosecond: the sum of the scheduler's run time of its
 * threads (`/proc/PID/task/TID/schedstat`, first field). `cpuSeconds` counts in 10 ms clock
 * ticks, which is 7 % of a 64 MiB relay; this is exact for threads alive at both readings
 * (Node's threads live as long as the process). Falls back to `cpuSeconds` where the kernel
 * keeps no schedstat. NaN when the process is gone.
 */
export function cpuSecondsFine(pid: number): number {
  let ns = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread exited between the listing and the read
      }
    }
  } catch {
    return NaN;
  }
  return Number.isFinite(ns) && ns > 0 ? ns / 1e9 : cpuSeconds(pid);
}

export interface ServerProcess {
  pid: number;
  /** Everything it printed on stdout up to readiness. */
  stdout: string;
  exited(): boolean;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns a long-running server for the bench and resolves once `ready(stdout so far)` holds;
 * rejects (with its stderr) if it exits first or is not ready in `timeoutMs`.
 */
export function startServerProcess(argv: string[], opts: { what: string; cwd?: string; ready: (stdout: string) => boolean; timeoutMs?: number }): Promise<ServerProcess> {
  const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let gone = false;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => { err += d; });
  const closed = new Promise<void>((r) => child.once('close', () => { gone = true; r(); }));
  const proc: ServerProcess = {
    pid: child.pid!,
    get stdout() { return out; },
    exited: () => gone,
    async stop(graceMs = 15_000) {
      if (gone) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await closed;
      clearTimeout(t);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${opts.what} did not start: ${err}`)), opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: string) => {
      out += d;
      if (opts.ready(out)) { clearTimeout(timer); resolve(proc); }
    });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', () => { clearTimeout(timer); reject(new Error(`${opts.what} exited: ${err}`)); });
  });
}
