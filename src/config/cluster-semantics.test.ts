import { describe, expect, it } from 'vitest';
import { parseConfig, type ConfigIssue } from './load.ts';
import { clusterConfigs } from '../clusters/registry.ts';

function issues(text: string): ConfigIssue[] {
  const result = parseConfig(text, '/etc/podgate/config.yaml');
  if (!('issues' in result)) throw new Error('expected issues, got a valid config');
  return result.issues;
}

describe('clusters: and expires (docs/clusters.md)', () => {
  it('accepts clusters, resolves their kubeconfig paths, and keeps allow.clusters and expires', () => {
    const result = parseConfig([
      'clusters:',
      '  - { name: home, kubeconfig: kube/home, default: true }',
      '  - { name: eu1, kubeconfig: /abs/eu1, context: eu1-admin }',
      'users:',
      '  - { name: alice, expires: "2026-12-31T18:00:00+01:00", allow: { clusters: [eu1] } }',
    ].join('\n'), '/etc/podgate/config.yaml');
    if (!('config' in result)) throw new Error(JSON.stringify(result.issues));
    expect(result.config.clusters).toEqual([
      { name: 'home', kubeconfig: '/etc/podgate/kube/home', default: true },
      { name: 'eu1', kubeconfig: '/abs/eu1', context: 'eu1-admin', default: false },
    ]);
    expect(result.config.users[0]).toMatchObject({ expires: '2026-12-31T18:00:00+01:00', allow: { clusters: ['eu1'] } });
  });

  it('the single-cluster form is one cluster named default, and stays valid as it was', () => {
    const result = parseConfig('kubernetes: { kubeconfig: k, context: c }\nusers: [{ name: alice, allow: { clusters: [default] } }]\n', '/etc/podgate/config.yaml');
    if (!('config' in result)) throw new Error(JSON.stringify(result.issues));
    expect(result.config.clusters).toEqual([]);
    expect(clusterConfigs(result.config)).toEqual([{ name: 'default', default: true, kubeconfig: '/etc/podgate/k', context: 'c' }]);
  });

  it('names each problem with its path and line', () => {
    const found = issues([
      'kubernetes: { kubeconfig: k }',       // 1
      'clusters:',                           // 2
      '  - { name: home, default: true }',   // 3
      '  - { name: Home_2 }',                // 4
      '  - { name: home, default: true }',   // 5
      'users:',                              // 6
      '  - name: alice',                     // 7
      '    expires: "next tuesday"',         // 8
      '    allow: { clusters: [home, us9] }', // 9
    ].join('\n'));
    const at = (path: string) => found.find((i) => i.path === path);
    expect(at('kubernetes.kubeconfig')).toMatchObject({ line: 1, message: expect.stringContaining('set clusters[].kubeconfig instead') });
    expect(at('clusters[1].name')).toMatchObject({ line: 4, message: expect.stringContaining('not a valid cluster name') });
    expect(found.filter((i) => i.path === 'clusters[2].name')[0]).toMatchObject({ line: 5, message: expect.stringContaining('duplicate cluster "home"') });
    expect(at('clusters[2].default')).toMatchObject({ line: 5, message: expect.stringContaining('only one cluster may be the default') });
    expect(at('users[0].expires')).toMatchObject({ line: 8, message: expect.stringContaining('not an RFC 3339 time') });
    expect(at('users[0].allow.clusters[1]')).toMatchObject({ line: 9, message: 'no cluster "us9" (configured: home, Home_2)' });
  });

  it('two or more clusters need one default; one alone is the default', () => {
    expect(issues('clusters: [{ name: a }, { name: b }]\n')).toEqual([expect.objectContaining({ path: 'clusters', message: expect.stringContaining('exactly one cluster `default: true`') })]);
    const one = parseConfig('clusters: [{ name: a }]\n', '/x.yaml');
    if (!('config' in one)) throw new Error(JSON.stringify(one.issues));
    expect(clusterConfigs(one.config)).toEqual([{ name: 'a', default: true }]);
  });

  it('rejects an expiry without a zone or that is no date', () => {
    for (const bad of ['2026-12-31', '2026-12-31T18:00:00', '2026-13-45T99:00:00Z']) {
      expect(issues(`users: [{ name: alice, expires: "${bad}" }]\n`)[0]).toMatchObject({ path: 'users[0].expires' });
    }
  });
});
