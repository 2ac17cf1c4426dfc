import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.ts';
import type { PodgateConfig } from './types.ts';

function cfg(text: string): PodgateConfig {
  const r = parseConfig(text, '/tmp/c.yaml');
  if ('issues' in r) throw new Error(JSON.stringify(r.issues));
  return r.config;
}
import { diffConfigs } from './reload-diff.ts';

const base = (extra = '') => cfg(`users:\n  - name: alice\n  - name: bob\n${extra}`);

describe('what a reload changes', () => {
  it('names users added, removed and changed; nothing needs a restart', () => {
    const next = cfg('users:\n  - name: alice\n    allow: { shell: false }\n  - name: carol\n');
    expect(diffConfigs(base(), next)).toEqual({ added: ['carol'], removed: ['bob'], changed: ['alice'], needsRestart: [] });
  });

  it('flags the keys only a restart applies', () => {
    expect(diffConfigs(base(), base('listen: 127.0.0.1:2223\nstateDir: /x\n')).needsRestart).toEqual(['listen', 'stateDir']);
    expect(diffConfigs(base(), base('log: { level: debug }\nlimits: { idleTimeoutSeconds: 60 }\n')).needsRestart).toEqual([]);
    expect(diffConfigs(base(), base('log: { format: text }\n')).needsRestart).toEqual(['log.format']);
  });
});

// Several clusters and expiry (docs/clusters.md).
describe('reload: clusters need a restart, allow.clusters and expires do not', () => {
  it('flags clusters, and reloads a user\'s allow.clusters and expires', () => {
    const two = 'clusters: [{ name: a, default: true }, { name: b }]\n';
    expect(diffConfigs(base(two), base('clusters: [{ name: a, default: true }]\n')).needsRestart).toEqual(['clusters']);
    const next = cfg(`users:\n  - name: alice\n    expires: "2030-01-01T00:00:00Z"\n    allow: { clusters: [a] }\n  - name: bob\n${two}`);
    expect(diffConfigs(base(two), next)).toEqual({ added: [], removed: [], changed: ['alice'], needsRestart: [] });
  });
});
