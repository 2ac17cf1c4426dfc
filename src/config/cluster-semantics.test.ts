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
    const expectIssue = (path: string, line: number, text: string, nth = 0) => {
      const issue = found.filter((i) => i.path === path)[nth];
      expect(issue?.line, path).toBe(line);
      expect(issue?.message, path).toContain(text);
    };
    expectIssue('kubernetes.kubeconfig', 1, 'set clusters[].kubeconfig instead');
    expectIssue('clusters[1].name', 4, 'not a valid cluster name');
    expectIssue('clusters[2].name', 5, 'duplicate cluster "home"');
    expectIssue('clusters[2].default', 5, 'only one cluster may be the default');
    expectIssue('users[0].expires', 8, 'not an RFC 3339 time');
    expectIssue('users[0].allow.clusters[1]', 9, 'no cluster "us9" (configured: home, Home_2)');
  });

  it('two or more clusters need one default; one alone is the default', () => {
    const none = issues('clusters: [{ name: a }, { name: b }]\n');
    expect(none.map((i) => i.path)).toEqual(['clusters']);
    expect(none[0].message).toContain('exactly one cluster `default: true`');
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
