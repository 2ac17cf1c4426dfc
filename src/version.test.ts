import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli/program.ts';
import { computeBuildInfo, versionLine } from './version.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

describe('what runs', () => {
  it('takes the commit from git in a checkout', () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(computeBuildInfo(process.env)).toEqual({ version: pkg.version, commit: head, node: process.versions.node });
  });

  it('prefers PODGATE_COMMIT (the image build sets it) and says unknown without git', () => {
    expect(computeBuildInfo({ ...process.env, PODGATE_COMMIT: 'ABCDEF1234567' }).commit).toBe('abcdef1234567');
    expect(computeBuildInfo({ PATH: '/nonexistent' }).commit).toBe('unknown');
    expect(computeBuildInfo({ PATH: '/nonexistent', PODGATE_COMMIT: 'not a commit' }).commit).toBe('unknown');
  });

  it('podgate --version prints the version and the commit, exit 0', async () => {
    const out: string[] = [];
    const code = await runCli(['node', 'podgate', '--version'], { out: (s) => void out.push(s), err: (s) => void out.push(s) });
    expect(code).toBe(0);
    expect(out).toEqual([versionLine()]);
    expect(out[0]).toMatch(new RegExp(`^podgate ${pkg.version.replace(/\./g, '\\.')} \\(commit ([0-9a-f]{40}|unknown), node ${process.versions.node}\\)$`));
  });
});
