/**
 * What runs: podgate's version (package.json), the git commit it was built from, and Node's
 * version. The commit comes from, in order: PODGATE_COMMIT (the container image sets it from
 * the build's REVISION argument), `git rev-parse HEAD` in a checkout, else `unknown` (an npm
 * install without git). Computed once.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  commit: string;
  node: string;
}

/** src/version.ts and dist/version.js both sit one level below the package root. */
const PACKAGE_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

const COMMIT = /^[0-9a-f]{7,64}$/;

function readCommit(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.PODGATE_COMMIT?.trim().toLowerCase();
  if (fromEnv && COMMIT.test(fromEnv)) return fromEnv;
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PACKAGE_ROOT, env, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000, encoding: 'utf8' }).trim();
    return COMMIT.test(out) ? out : 'unknown';
  } catch {
    return 'unknown';
  }
}

let cached: BuildInfo | null = null;

export function buildInfo(env: NodeJS.ProcessEnv = process.env): BuildInfo {
  cached ??= { version: readVersion(), commit: readCommit(env), node: process.versions.node };
  return cached;
}

/** For tests: computes afresh, without the cache. */
export function computeBuildInfo(env: NodeJS.ProcessEnv): BuildInfo {
  return { version: readVersion(), commit: readCommit(env), node: process.versions.node };
}

/** `podgate --version`: `podgate 0.1.0 (commit 1a2b3c4..., node 20.19.0)`. */
export function versionLine(info: BuildInfo = buildInfo()): string {
  return `podgate ${info.version} (commit ${info.commit}, node ${info.node})`;
}
