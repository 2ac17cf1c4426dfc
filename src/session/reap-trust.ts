/**
 * Which crash-journal entries a starting podgate may act on. The journal lives on disk, so an
 * entry names an identity podgate would impersonate to kill processes: it is acted on only
 * when it still matches the current config, i.e. its podgate user still exists, maps to the
 * same Kubernetes identity (user and groups), and may still use the entry's namespace.
 */
import type { UserConfig } from '../config/types.ts';
import { mayUseCluster, mayUseNamespace } from '../policy/index.ts';
import type { JournalEntry } from './reaper-types.ts';

const sameGroups = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().every((g, i) => g === [...b].sort()[i]);

/** A trust check for SessionReaper.recover(): null accepts, a reason refuses. */
export function journalTrust(users: ReadonlyMap<string, UserConfig>): (entry: JournalEntry) => string | null {
  return (entry) => {
    if (entry.user === undefined) return 'the entry names no podgate user';
    const user = users.get(entry.user);
    if (!user) return `podgate user "${entry.user}" is no longer configured`;
    const id = entry.target.identity;
    if (user.kubernetes.user !== id.user || !sameGroups(user.kubernetes.groups, id.groups)) {
      return `podgate user "${entry.user}" now maps to another Kubernetes identity`;
    }
    // Several clusters (docs/clusters.md): the entry's cluster must still be one the user may reach.
    const cluster = entry.target.cluster === undefined ? null : mayUseCluster(user, entry.target.cluster);
    if (cluster && !cluster.allowed) return cluster.reason;
    const scope = mayUseNamespace(user, entry.target.namespace);
    return scope.allowed ? null : scope.reason;
  };
}
