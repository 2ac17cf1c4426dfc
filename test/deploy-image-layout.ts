/**
 * The container image's /app, built on this machine (no Docker engine here):
 *  - a build directory gets what the build stage COPYs from the context (package.json,
 *    package-lock.json, tsconfig*.json, src/ minus what .dockerignore excludes) and the
 *    checkout's node_modules (a symlink, standing in for `npm ci`);
 *  - the build stage's own `RUN npm run build ...` line, read from the Dockerfile, runs there
 *    verbatim under sh (tsc, then the non-.ts files of src/ copied under dist/);
 *  - /app gets what the runtime stage COPYs: dist/, package.json, and a node_modules of the
 *    production packages only (as `npm ci --omit=dev` in the deps stage leaves it).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { REPO } from './deploy-chart-text.ts';

export interface ImageLayout {
  /** The directory standing in for /app. */
  app: string;
  /** The build stage's RUN line as run, its exit status and everything it printed. */
  run: string;
  status: number | null;
  output: string;
}

/** .dockerignore patterns (Go filepath.Match plus **, `!` re-includes), as Docker reads them. */
export function dockerignore(): string[] {
  return readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

// Glob to regex: '**' followed by a slash is zero or more directories, '**' anything, '*'
// anything but a slash, '?' one character.
function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (glob.startsWith('**/', i)) {
      out += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      out += '.*';
      i += 1;
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else {
      out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return out;
}

export function ignoredBy(patterns: string[], path: string): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(`^${globToRegex(pattern)}(/.*)?$`);
    if (re.test(path)) ignored = !negate;
  }
  return ignored;
}

/** The build stage's `RUN` line that runs `npm run build` (continuations joined). */
function buildRunLine(dockerfile: string): string {
  const build = /^FROM \S+ AS build\n([\s\S]*?)(?=^FROM )/m.exec(dockerfile)?.[1] ?? '';
  const logical = build.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  const run = logical.find((l) => l.startsWith('RUN ') && l.includes('npm run build'));
  if (!run) throw new Error('no `RUN npm run build` in the Dockerfile build stage');
  return run.slice('RUN '.length);
}

export function buildImageLayout(root: string): ImageLayout {
  const ignore = dockerignore();
  const build = join(root, 'build');
  mkdirSync(build, { recursive: true });
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(REPO, f), join(build, f));
  cpSync(join(REPO, 'src'), join(build, 'src'), { recursive: true, filter: (p) => !ignoredBy(ignore, relative(REPO, p)) });
  symlinkSync(join(REPO, 'node_modules'), join(build, 'node_modules'), 'dir');
  const run = buildRunLine(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
  const r = spawnSync('/bin/sh', ['-c', run], { cwd: build, encoding: 'utf8', timeout: 240_000, env: { ...process.env, npm_config_update_notifier: 'false' } });

  const app = join(root, 'app');
  mkdirSync(app, { recursive: true, mode: 0o755 });
  cpSync(join(build, 'dist'), join(app, 'dist'), { recursive: true });
  cpSync(join(REPO, 'package.json'), join(app, 'package.json'));
  linkProductionModules(join(app, 'node_modules'));
  return { app, run, status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * What `npm ci --omit=dev` leaves in the runtime stage, without downloading or compiling
 * anything: a node_modules holding only the production packages of the checkout's tree
 * (`npm ls --omit=dev`), each a symlink to the installed one. Code in dist/ that imports a
 * dev dependency fails to resolve, as it would in the image.
 */
function linkProductionModules(target: string): void {
  const r = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  const top = join(REPO, 'node_modules') + '/';
  const names = new Set(
    r.stdout.split('\n').filter((p) => p.startsWith(top)).map((p) => p.slice(top.length))
      .map((rel) => rel.split('/node_modules/')[0] ?? rel),
  );
  if (names.size < 10) throw new Error(`npm ls --omit=dev listed ${names.size} packages: ${r.stderr}`);
  mkdirSync(target, { recursive: true });
  for (const name of names) {
    mkdirSync(dirname(join(target, name)), { recursive: true });
    symlinkSync(join(REPO, 'node_modules', name), join(target, name), 'dir');
  }
}

/** The runtime stage's ENTRYPOINT + CMD, as JSON arrays in the Dockerfile. */
export function imageCommand(dockerfile: string): string[] {
  const runtime = dockerfile.split(/^FROM /m).at(-1) ?? '';
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(runtime)?.[1] ?? '[]';
  const cmd = /^CMD (\[.*\])$/m.exec(runtime)?.[1] ?? '[]';
  return [...(JSON.parse(entry) as string[]), ...(JSON.parse(cmd) as string[])];
}
