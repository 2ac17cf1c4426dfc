/**
 * `podgate check-config` as an operator runs it: the real binary on files, exit 0 when valid,
 * exit 2 with `FILE:LINE:COL: path: message` for each kind of error, at the exact line.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../src/cli/ssh-keypair.ts';
import { configSchema } from '../src/config/schema.ts';

const BIN = new URL('../bin/podgate.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'podgate-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEY = generateKeyPair('ed25519', 'alice@laptop').public;

function checkConfig(name: string, lines: string[]): Promise<{ code: number; stdout: string; stderr: string; file: string }> {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'check-config', file], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, file });
    });
  });
}

const VALID = [
  'listen: "0.0.0.0:2222"',
  'hostKeys: ["keys/ssh_host_ed25519_key"]',
  'kubernetes:',
  '  kubeconfig: "/etc/podgate/kubeconfig"',
  '  context: "prod"',
  'defaultNamespace: default',
  'users:',
  '  - name: alice',
  `    publicKeys: ["${KEY}"]`,
  '    kubernetes: { user: alice, groups: [dev] }',
  '    defaultNamespace: prod',
];

describe('podgate check-config', () => {
  it('accepts the docs/contract.md §5 example: exit 0 and "FILE: ok"', async () => {
    const r = await checkConfig('valid.yaml', VALID);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${r.file}: ok\n`);
    expect(r.code).toBe(0);
  });

  it('rejects an unknown key at its line', async () => {
    const r = await checkConfig('unknown.yaml', [...VALID.slice(0, 6), 'defaultNamepsace: prod', ...VALID.slice(6)]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`${r.file}:7:1: defaultNamepsace: unknown key "defaultNamepsace" (known keys: ${Object.keys(configSchema.properties).join(', ')})`);
  });

  it('rejects a wrong type at its line and column', async () => {
    const r = await checkConfig('type.yaml', [...VALID, 'limits:', '  maxAuthTries: lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${r.file}:13:17: limits.maxAuthTries: must be integer, not string "lots"`);
  });

  it('rejects a public key that does not parse', async () => {
    const r = await checkConfig('key.yaml', [...VALID, '  - name: bob', '    publicKeys:', '      - "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAbroken bob@x"']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${r.file}:14:9: users\\[1\\]\\.publicKeys\\[0\\]: not a valid public key`, 'm'));
  });

  it('rejects a duplicate user, naming the second one', async () => {
    const r = await checkConfig('dup.yaml', [...VALID, '  - name: bob', '  - name: alice']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${r.file}:13:11: users[2].name: duplicate user "alice" (also users[0])`);
  });

  it('refuses system:masters in a user\'s groups', async () => {
    const r = await checkConfig('masters.yaml', [...VALID, '  - name: root', '    kubernetes:', '      groups:', '        - ops', '        - system:masters']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${r.file}:16:11: users[1].kubernetes.groups[1]: refusing to impersonate group "system:masters": it bypasses RBAC entirely`);
  });

  it('rejects a listen address that is not host:port', async () => {
    const r = await checkConfig('listen.yaml', ['listen: "2222"', ...VALID.slice(1)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${r.file}:1:9: listen: "2222" is not host:port (e.g. 0.0.0.0:2222 or [::]:2222)`);
  });

  it('lists every error of a file at once, with a count', async () => {
    const r = await checkConfig('many.yaml', ['listen: nope', 'bogus: 1', ...VALID.slice(1)]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/:1:9: listen: /);
    expect(lines[1]).toMatch(/:2:1: bogus: unknown key/);
    expect(lines[2]).toBe(`${r.file}: 2 errors`);
  });
});
