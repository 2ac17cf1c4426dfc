/** `podgate keygen --dir DIR`: keys the real ssh-keygen reads, mode 0600, never overwritten. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = new URL('../bin/podgate.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'podgate-keygen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('podgate keygen', () => {
  const keys = join(dir, 'keys');
  const ed = join(keys, 'ssh_host_ed25519_key');
  const rsa = join(keys, 'ssh_host_rsa_key');

  it('writes an ed25519 and a 3072-bit RSA host key that ssh-keygen reads, private keys 0600', async () => {
    const r = await run(process.execPath, [BIN, 'keygen', '--dir', keys]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${ed}`);
    expect(r.stdout).toContain(`wrote ${rsa}`);
    for (const path of [ed, rsa]) expect(statSync(path).mode & 0o777).toBe(0o600);
    const edPrint = await run('ssh-keygen', ['-l', '-f', ed]);
    expect(edPrint.code).toBe(0);
    expect(edPrint.stdout).toMatch(/^256 SHA256:\S+ .*\(ED25519\)$/m);
    const rsaPrint = await run('ssh-keygen', ['-l', '-f', rsa]);
    expect(rsaPrint.code).toBe(0);
    expect(rsaPrint.stdout).toMatch(/^3072 SHA256:\S+ .*\(RSA\)$/m);
    // The .pub file is the public half of the same key.
    const derived = await run('ssh-keygen', ['-y', '-f', ed]);
    expect(readFileSync(`${ed}.pub`, 'utf8').split(' ').slice(0, 2)).toEqual(derived.stdout.trim().split(' ').slice(0, 2));
  });

  it('never overwrites an existing key', async () => {
    const before = [ed, rsa].map((p) => readFileSync(p, 'utf8'));
    const r = await run(process.execPath, [BIN, 'keygen', '--dir', keys]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`kept ${ed}: exists, not overwritten`);
    expect(r.stdout).toContain(`kept ${rsa}: exists, not overwritten`);
    expect([ed, rsa].map((p) => readFileSync(p, 'utf8'))).toEqual(before);
  });
});
