/**
 * What a config reload changes: users added, removed and changed, and the keys that only a
 * restart can apply (the listeners, host keys, Kubernetes client, state dir, log format). A reload with any
 * of those is refused (CONFIG_RELOAD_FAILED) and the old config stays; the chart rolls the pods
 * for exactly these changes.
 */
import type { PodgateConfig } from './types.ts';

const RESTART_KEYS = ['listen', 'hostKeys', 'kubernetes', 'metrics', 'stateDir', 'clusters', 'replicas',
  // the browser terminal's listener, certificate and URL
  'web'] as const;
// ...and log.format (below).

export interface ReloadDiff {
  added: string[];
  removed: string[];
  changed: string[];
  /** Keys whose change needs a restart (empty: the reload can apply). */
  needsRestart: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function diffConfigs(old: PodgateConfig, next: PodgateConfig): ReloadDiff {
  const before = new Map(old.users.map((u) => [u.name, u]));
  const after = new Map(next.users.map((u) => [u.name, u]));
  return {
    added: [...after.keys()].filter((n) => !before.has(n)),
    removed: [...before.keys()].filter((n) => !after.has(n)),
    changed: [...after.keys()].filter((n) => before.has(n) && !same(before.get(n), after.get(n))),
    needsRestart: [
      ...RESTART_KEYS.filter((k) => !same(old[k], next[k])),
      // The level reloads; the format is fixed when the log destination is built.
      ...(old.log.format === next.log.format ? [] : ['log.format']),
    ],
  };
}
