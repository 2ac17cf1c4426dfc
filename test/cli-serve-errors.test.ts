/** `podgate serve` refusing to start: one clear line on stderr, no stack trace, exit 2. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = new URL('../bin/podgate.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'podgate-serve-err-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function serve(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'serve', ...args], { timeout: 30_000, cwd: dir }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('podgate serve: startup errors', () => {
  it('a missing host key: one line naming the file, exit 2, no stack trace', async () => {
    const file = join(dir, 'nokey.yaml');
    writeFileSync(file, 'listen: "127.0.0.1:0"\nhostKeys: [keys/missing_key]\nmetrics: null\nusers: [{ name: alice }]\n');
    const r = await serve(['--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`podgate: cannot read host key ${join(dir, 'keys/missing_key')}: no such file (create one with: podgate keygen --dir DIR)\n`);
    expect(r.stdout).not.toMatch(/\n\s+at /);
    const event = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(event).toMatchObject({ code: 'STARTUP_FAILED', errorCode: 'HOST_KEY_UNREADABLE' });
  });

  it('a host key file that is not a private key: one line, exit 2', async () => {
    writeFileSync(join(dir, 'junk_key'), 'not a key\n', { mode: 0o600 });
    const file = join(dir, 'junk.yaml');
    writeFileSync(file, 'listen: "127.0.0.1:0"\nhostKeys: [junk_key]\nmetrics: null\nusers: [{ name: alice }]\n');
    const r = await serve(['--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^podgate: host key \S+junk_key is not a usable OpenSSH private key: .+\n$/);
  });

  it('an invalid config: every error with its line, nothing started, exit 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'listen: "127.0.0.1:0"\nusers:\n  - name: alice\n    kubernetes: { groups: [system:masters] }\n');
    const r = await serve(['--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `${file}:4:28: users[0].kubernetes.groups[0]: refusing to impersonate group "system:masters": it bypasses RBAC entirely\n` +
        `podgate: ${file} is invalid (1 error); nothing started\n`,
    );
  });

  it('a bad --listen override and a missing --config are usage errors (exit 2)', async () => {
    const file = join(dir, 'nokey.yaml');
    expect((await serve(['--config', file, '--listen', 'nowhere'])).stderr).toContain('podgate: --listen: "nowhere" is not host:port');
    const r = await serve([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '-c, --config <file>' not specified");
  });
});

// Several clusters (docs/clusters.md).
describe('podgate serve: several clusters', () => {
  it('--kubeconfig/--context with clusters: one line, exit 2; a cluster whose kubeconfig is unreadable is named', async () => {
    const file = join(dir, 'clusters.yaml');
    writeFileSync(file, 'listen: "127.0.0.1:0"\nhostKeys: [keys/missing_key]\nmetrics: null\nclusters: [{ name: eu1, kubeconfig: /nonexistent/eu1 }]\nusers: [{ name: alice }]\n');
    const r = await serve(['--config', file, '--kubeconfig', '/tmp/x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('podgate: --kubeconfig and --context apply to the single-cluster `kubernetes:` form; with clusters:, set clusters[].kubeconfig and clusters[].context\n');
    // A usable host key, so start-up gets as far as the clusters' kubeconfigs.
    await new Promise<void>((resolve, reject) => execFile('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'cluster_hk')], (err) => (err ? reject(new Error(err.message)) : resolve())));
    const two = join(dir, 'two-clusters.yaml');
    writeFileSync(two, 'listen: "127.0.0.1:0"\nhostKeys: [cluster_hk]\nmetrics: null\nstateDir: st\nclusters:\n  - { name: home, default: true, kubeconfig: /nonexistent/home }\n  - { name: eu1, kubeconfig: /nonexistent/eu1 }\nusers: [{ name: alice }]\n');
    const bad = await serve(['--config', two]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^podgate: cluster "home": cannot load the kubeconfig: .*\/nonexistent\/home/);
  });
});
