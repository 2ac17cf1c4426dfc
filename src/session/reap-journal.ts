import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ReapTarget } from './reaper-types.ts';

/** One live session as a crashed podgate left it: enough to reap it as the same identity. */
export interface JournalEntry {
  sessionId: string;
  target: ReapTarget;
  startedAt: string;
}

const SUFFIX = '.json';

/**
 * The journal of live sessions: one small JSON file per session under `DIR/sessions/`,
 * written to a temporary name and renamed into place, so a crash never leaves half an entry.
 */
export class ReapJournal {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'sessions');
  }

  async add(sessionId: string, target: ReapTarget): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const entry: JournalEntry = {
      sessionId,
      target: {
        namespace: target.namespace,
        pod: target.pod,
        container: target.container,
        identity: { user: target.identity.user, groups: [...target.identity.groups] },
      },
      startedAt: new Date().toISOString(),
    };
    const file = this.file(sessionId);
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    await rename(tmp, file);
  }

  async remove(sessionId: string): Promise<void> {
    await rm(this.file(sessionId), { force: true });
  }

  /** Every complete entry; unreadable or foreign files are skipped, stray temporaries removed. */
  async list(): Promise<JournalEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries: JournalEntry[] = [];
    for (const name of names) {
      if (name.endsWith('.tmp')) {
        await rm(join(this.dir, name), { force: true });
        continue;
      }
      if (!name.endsWith(SUFFIX)) continue;
      const entry = parseEntry(await readFile(join(this.dir, name), 'utf8').catch(() => ''));
      if (entry && `${entry.sessionId}${SUFFIX}` === name) entries.push(entry);
    }
    return entries;
  }

  private file(sessionId: string): string {
    return join(this.dir, `${sessionId}${SUFFIX}`);
  }
}

function parseEntry(text: string): JournalEntry | null {
  try {
    const v = JSON.parse(text) as Partial<JournalEntry> | null;
    const t = v?.target;
    if (!v || typeof v.sessionId !== 'string' || !t) return null;
    if (typeof t.namespace !== 'string' || typeof t.pod !== 'string' || typeof t.container !== 'string') return null;
    if (!t.identity || typeof t.identity.user !== 'string' || !Array.isArray(t.identity.groups)) return null;
    if (!t.identity.groups.every((g) => typeof g === 'string')) return null;
    return { sessionId: v.sessionId, target: t, startedAt: typeof v.startedAt === 'string' ? v.startedAt : '' };
  } catch {
    return null;
  }
}
