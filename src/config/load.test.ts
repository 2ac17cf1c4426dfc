import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../cli/ssh-keypair.ts';
import { parseConfig, type ConfigIssue } from './load.ts';

const KEY = generateKeyPair('ed25519', 'alice@laptop').public;

function issues(text: string): ConfigIssue[] {
  const result = parseConfig(text, '/etc/podgate/config.yaml');
  if (!('issues' in result)) throw new Error('expected issues, got a valid config');
  return result.issues;
}

describe('parseConfig', () => {
  it('fills every default and resolves paths against the config directory', () => {
    const result = parseConfig(`users:\n  - name: alice\n    publicKeys: ["${KEY}"]\n`, '/etc/podgate/config.yaml');
    if (!('config' in result)) throw new Error(JSON.stringify(result.issues));
    const cfg = result.config;
    expect(cfg.listen).toBe('0.0.0.0:2222');
    expect(cfg.hostKeys).toEqual(['/etc/podgate/keys/ssh_host_ed25519_key']);
    expect(cfg.stateDir).toBe('/etc/podgate/podgate-state');
    expect(cfg.metrics).toEqual({ listen: '127.0.0.1:9090' });
    expect(cfg.limits.maxAuthTries).toBe(6);
    expect(cfg.session.envAllow).toEqual(['LANG', 'LC_*', 'TERM']);
    expect(cfg.recordings).toEqual({ input: false, maxAgeDays: 30, maxBytes: 0 });
    expect(cfg.users[0]).toEqual({
      name: 'alice',
      publicKeys: [KEY],
      kubernetes: { user: 'alice', groups: [] },
      allow: { shell: true, forwarding: true, sftp: true, console: true, logs: true, watch: false, recordings: false, web: false },
    });
  });

  it('recordings: dir relative to the config file, explicit retention, strict types', () => {
    const result = parseConfig('recordings: { dir: rec, input: true, maxAgeDays: 0.5, maxBytes: 1000 }\n', '/etc/podgate/config.yaml');
    if (!('config' in result)) throw new Error(JSON.stringify(result.issues));
    expect(result.config.recordings).toEqual({ dir: '/etc/podgate/rec', input: true, maxAgeDays: 0.5, maxBytes: 1000 });
    expect(issues('recordings: { dir: "", maxAgeDays: -1, maxBytes: 1.5, keep: 3 }\n').map((i) => i.path).sort()).toEqual(['recordings.dir', 'recordings.keep', 'recordings.maxAgeDays', 'recordings.maxBytes']);
  });

  it('keeps explicit values, absolute paths and metrics: null', () => {
    const text = [
      'listen: "127.0.0.1:0"',
      'hostKeys: [/abs/key, rel/key]',
      'kubernetes: { kubeconfig: kube/config, context: emu }',
      'metrics: null',
      'users:',
      '  - name: bob',
      '    kubernetes: { user: "bob@corp", groups: [dev, ops] }',
      '    defaultNamespace: prod',
      '    allow: { namespaces: [prod], forwarding: false }',
    ].join('\n');
    const result = parseConfig(text, 'cfg/podgate.yaml', '/srv/cfg');
    if (!('config' in result)) throw new Error(JSON.stringify(result.issues));
    expect(result.config.hostKeys).toEqual(['/abs/key', '/srv/cfg/rel/key']);
    expect(result.config.kubernetes).toEqual({ kubeconfig: '/srv/cfg/kube/config', context: 'emu', requestTimeoutMs: 10_000 });
    expect(result.config.metrics).toBeNull();
    expect(result.config.users[0]?.kubernetes).toEqual({ user: 'bob@corp', groups: ['dev', 'ops'] });
    expect(result.config.users[0]?.allow).toEqual({ namespaces: ['prod'], shell: true, forwarding: false, sftp: true, console: true, logs: true, watch: false, recordings: false, web: false });
  });

  it('names the line and column of an unknown key, also deep inside a list', () => {
    expect(issues('listen: "0.0.0.0:22"\nlsiten: x\n')).toEqual([
      expect.objectContaining({ path: 'lsiten', line: 2, col: 1, message: expect.stringContaining('unknown key "lsiten"') }),
    ]);
    const deep = issues('users:\n  - name: a\n    allow:\n      shel: false\n');
    expect(deep).toEqual([expect.objectContaining({ path: 'users[0].allow.shel', line: 4, col: 7 })]);
  });

  it('reports wrong types at the value', () => {
    expect(issues('limits:\n  maxAuthTries: "six"\n')).toEqual([
      expect.objectContaining({ path: 'limits.maxAuthTries', line: 2, col: 17, message: 'must be integer, not string "six"' }),
    ]);
    expect(issues('users: {}\n')[0]).toMatchObject({ path: 'users', line: 1, message: expect.stringContaining('must be a list') });
  });

  it('rejects bad public keys, private keys and certificates', () => {
    const text = `users:\n  - name: a\n    publicKeys:\n      - "${KEY}"\n      - "ssh-ed25519 AAAAnotakey a@b"\n      - "hello"\n`;
    expect(issues(text)).toEqual([
      expect.objectContaining({ path: 'users[0].publicKeys[1]', line: 5, col: 9, message: expect.stringContaining('not a valid public key') }),
      expect.objectContaining({ path: 'users[0].publicKeys[2]', line: 6, col: 9 }),
    ]);
    const cert = issues('users:\n  - name: a\n    publicKeys: ["ssh-ed25519-cert-v01@openssh.com AAAA x"]\n');
    expect(cert[0]?.message).toContain('userCAs');
  });

  it('rejects DSA keys, as user keys and as user CAs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podgate-dsa-cfg-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'dsa', '-N', '', '-f', join(dir, 'k')]);
      const dsa = readFileSync(join(dir, 'k.pub'), 'utf8').trim();
      const found = issues(`users:\n  - name: a\n    publicKeys: ["${dsa}"]\nuserCAs: ["${dsa}"]\n`);
      expect(found.map((i) => [i.path, i.message])).toEqual([
        ['users[0].publicKeys[0]', expect.stringMatching(/DSA \(ssh-dss\) keys are refused/)],
        ['userCAs[0]', expect.stringMatching(/DSA \(ssh-dss\) keys are refused/)],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts user CAs bare or with the authorized_keys cert-authority option, and rejects junk', () => {
    const result = parseConfig(`userCAs:\n  - "${KEY}"\n  - "cert-authority ${KEY}"\n`, '/etc/podgate/config.yaml');
    expect('config' in result).toBe(true);
    expect(issues('userCAs:\n  - ok\n')[0]).toMatchObject({ path: 'userCAs[0]', line: 2 });
  });

  it('rejects duplicate and malformed user names', () => {
    const found = issues('users:\n  - name: alice\n  - name: bob\n  - name: alice\n  - name: "eve+x"\n  - name: Eve\n');
    expect(found.map((i) => [i.path, i.line])).toEqual([
      ['users[2].name', 4],
      ['users[3].name', 5],
      ['users[4].name', 6],
    ]);
    expect(found[0]?.message).toContain('duplicate user "alice"');
  });

  it('refuses to impersonate system:masters', () => {
    expect(issues('users:\n  - name: root\n    kubernetes:\n      groups: [dev, system:masters]\n')).toEqual([
      expect.objectContaining({ path: 'users[0].kubernetes.groups[1]', line: 4, col: 21, message: expect.stringContaining('bypasses RBAC') }),
    ]);
  });

  it('rejects listen addresses that are not host:port and bad namespaces', () => {
    const found = issues('listen: "2222"\nmetrics: { listen: "x:99999" }\ndefaultNamespace: Prod\nusers:\n  - name: a\n    allow: { namespaces: [ok, "no.dots"] }\n');
    expect(found.map((i) => [i.path, i.line])).toEqual([
      ['listen', 1],
      ['metrics.listen', 2],
      ['defaultNamespace', 3],
      ['users[0].allow.namespaces[1]', 6],
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(issues('listen: a\nlisten: b\n')[0]).toMatchObject({ line: 2 });
    expect(issues('users:\n  - name: [unclosed\n')[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('lists schema and semantic problems together', () => {
    const found = issues('bogus: 1\nlisten: nope\n');
    expect(found.map((i) => i.path)).toEqual(['bogus', 'listen']);
  });
});

describe('parseConfig on hostile YAML (found by the property tests)', () => {
  it('an unresolved alias or an alias bomb is an issue at the alias, not an exception', () => {
    expect(issues('listen: x\nusers: *nope\n')[0]).toMatchObject({ path: '(yaml)', line: 2 });
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'users: [*c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
    expect(issues(bomb)[0].message).toMatch(/alias/i);
  });

  it('list items of the wrong type are schema issues, not a TypeError in the semantic checks', () => {
    const found = issues('userCAs: [1]\nusers:\n  - null\n  - name: a\n    publicKeys: [null]\n    kubernetes: { groups: [7] }\n    allow: { namespaces: [null] }\n');
    expect(found.map((i) => i.path)).toEqual(expect.arrayContaining(['userCAs[0]', 'users[1].publicKeys[0]', 'users[1].kubernetes.groups[0]']));
  });

  it('a key that would print ambiguously is quoted in the path', () => {
    expect(issues(`"": 1\nusers: [{name: a, publicKeys: ["${KEY}"]}]\n`)[0].path).toBe('[""]');
  });
});
