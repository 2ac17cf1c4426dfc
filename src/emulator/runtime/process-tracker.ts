/**
 * Attributes every process of a container to it, daemonized or not. Primary: one cgroup v1 `pids`
 * group per container (children inherit it; setsid/double fork cannot leave it). Fallback when
 * cgroups are unavailable: an environment marker scanned in /proc/PID/environ (a process that
 * clears its environment escapes it; documented in the README).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

const PIDS_ROOT = '/sys/fs/cgroup/pids';
const PREFIX = 'podgate-emu-';
export const MARKER_ENV = 'PODGATE_EMULATOR_CONTAINER';

export interface TrackedGroup {
  /** File the launch wrapper writes its own pid into ('/dev/null' in marker mode). */
  procsFile: string;
  /** Extra environment that marks the processes (marker mode only). */
  markerEnv: Record<string, string>;
}

export class ProcessTracker {
  constructor(private readonly root: string | null) {}

  get mode(): 'cgroup' | 'environ' {
    return this.root ? 'cgroup' : 'environ';
  }

  static async create(): Promise<ProcessTracker> {
    await reapStaleRoots();
    const root = join(PIDS_ROOT, `${PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    try {
      await mkdir(root);
      return new ProcessTracker(root);
    } catch {
      return new ProcessTracker(null);
    }
  }

  async group(id: string): Promise<TrackedGroup> {
    if (this.root) {
      const dir = join(this.root, id);
      await mkdir(dir, { recursive: true });
      return { procsFile: join(dir, 'cgroup.procs'), markerEnv: {} };
    }
    return { procsFile: '/dev/null', markerEnv: { [MARKER_ENV]: id } };
  }

  async pids(id: string): Promise<number[]> {
    if (this.root) return readPids(join(this.root, id, 'cgroup.procs'));
    return scanEnviron(`${MARKER_ENV}=${id}`);
  }

  /** SIGKILLs every process of the group until none is left, then removes the group. */
  async killAll(id: string): Promise<void> {
    for (let round = 0; round < 50; round++) {
      const pids = await this.pids(id);
      if (pids.length === 0) break;
      for (const pid of pids) killQuietly(pid);
      await new Promise((r) => setTimeout(r, round < 5 ? 20 : 100));
    }
    if (this.root) await rmdir(join(this.root, id)).catch(() => undefined);
  }

  async dispose(): Promise<void> {
    if (this.root) await rmdir(this.root).catch(() => undefined);
  }

  /** Synchronous last resort for process exit: kill what is listed, without waiting. */
  killAllSync(ids: string[]): void {
    if (!this.root) return;
    for (const id of ids) {
      try {
        const file = join(this.root, id, 'cgroup.procs');
        const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
        for (const pid of parsePids(text)) killQuietly(pid);
      } catch {
        /* gone */
      }
    }
  }
}

function parsePids(text: string): number[] {
  return text.split('\n').filter((l) => l !== '').map(Number);
}

async function readPids(file: string): Promise<number[]> {
  try {
    return parsePids(await readFile(file, 'utf8'));
  } catch {
    return [];
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

async function scanEnviron(marker: string): Promise<number[]> {
  const out: number[] = [];
  const entries = await readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    entries.filter((e) => /^\d+$/.test(e)).map(async (e) => {
      const env = await readFile(`/proc/${e}/environ`).catch(() => null);
      if (env && env.toString('utf8').split('\0').includes(marker)) out.push(Number(e));
    }),
  );
  return out.sort((a, b) => a - b);
}

/** Cleans cgroups left by emulators that died without shutdown (their pid no longer exists). */
async function reapStaleRoots(): Promise<void> {
  const names = await readdir(PIDS_ROOT).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(PREFIX))) {
    const owner = Number(name.slice(PREFIX.length).split('-')[0]);
    if (owner === process.pid || existsSync(`/proc/${owner}`)) continue;
    const root = join(PIDS_ROOT, name);
    const subs = await readdir(root, { withFileTypes: true }).catch(() => []);
    const stale = new ProcessTracker(root);
    for (const s of subs.filter((d) => d.isDirectory())) await stale.killAll(s.name);
    await rmdir(root).catch(() => undefined);
  }
}
