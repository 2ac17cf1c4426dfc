import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { dns1123LabelError, dns1123SubdomainError } from '../target/k8s-names.ts';
import type { JournalEntry, ReapTarget } from './reaper-types.ts';

export type { JournalEntry };

const SESSION_ID = /^[A-Za-z0-9._-]{1,128}$/;
const ENTRY_KEYS = new Set(['sessionId', 'target', 'startedAt', 'user']);
const TARGET_KEYS = new Set(['namespace', 'pod', 'container', 'identity']);
const IDENTITY_KEYS = new Set(['user', 'groups']);

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

  async add(sessionId: string, target: ReapTarget, user?: string): Promise<void> {
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
      ...(user !== undefined ? { user } : {}),
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const onlyKeys = (v: Record<string, unknown>, keys: Set<string>): boolean => Object.keys(v).every((k) => keys.has(k));
const text = (v: unknown, max = 253): v is string => typeof v === 'string' && v.length > 0 && v.length <= max && !v.includes('\0');

/**
 * A journal entry, validated strictly: the state directory is outside podgate's memory, so its
 * files are input. Exactly the fields podgate writes, Kubernetes names where names belong.
 */
export function parseEntry(raw: string): JournalEntry | null {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isObject(v) || !onlyKeys(v, ENTRY_KEYS)) return null;
  const t = v['target'];
  if (typeof v['sessionId'] !== 'string' || !SESSION_ID.test(v['sessionId']) || !isObject(t) || !onlyKeys(t, TARGET_KEYS)) return null;
  if (typeof v['startedAt'] !== 'string' || Number.isNaN(Date.parse(v['startedAt']))) return null;
  if (v['user'] !== undefined && !text(v['user'], 256)) return null;
  const { namespace, pod, container, identity } = t;
  if (typeof namespace !== 'string' || dns1123LabelError(namespace) !== null) return null;
  if (typeof pod !== 'string' || dns1123SubdomainError(pod) !== null) return null;
  if (typeof container !== 'string' || dns1123LabelError(container) !== null) return null;
  if (!isObject(identity) || !onlyKeys(identity, IDENTITY_KEYS) || !text(identity['user'], 256)) return null;
  const groups = identity['groups'];
  if (!Array.isArray(groups) || groups.length > 64 || !groups.every((g) => text(g, 256))) return null;
  return {
    sessionId: v['sessionId'], startedAt: v['startedAt'],
    target: { namespace, pod, container, identity: { user: identity['user'], groups: [...(groups)] } },
    ...(v['user'] !== undefined ? { user: v['user'] } : {}),
  };
}
