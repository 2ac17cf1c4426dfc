/** Reads /proc for the process table a container reports (pid, ppid, args). */
import { readFile } from 'node:fs/promises';
import type { ProcessInfo } from './types.ts';

/** Null when the process is gone or a zombie. */
async function readProcessInfo(pid: number): Promise<ProcessInfo | null> {
  try {
    const [stat, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/cmdline`),
    ]);
    // comm (field 2) may hold spaces and parentheses: parse after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' || rest[0] === 'X') return null;
    const args = cmdline.toString('utf8').replace(/\0+$/, '').split('\0').join(' ');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    return { pid, ppid: Number(rest[1]), args: args === '' ? `[${comm}]` : args };
  } catch {
    return null;
  }
}

export async function readProcessInfos(pids: number[]): Promise<ProcessInfo[]> {
  const infos = await Promise.all(pids.map((p) => readProcessInfo(p)));
  return infos.filter((i): i is ProcessInfo => i !== null).sort((a, b) => a.pid - b.pid);
}
