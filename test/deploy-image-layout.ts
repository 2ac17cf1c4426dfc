/**
 * The container image's /app, built on this machine (no Docker engine here): what the
 * Dockerfile's build stage does (`npm run build`, i.e. tsc -p tsconfig.build.json, then the
 * non-.ts files of src/ copied to the same place under dist/), laid out as the runtime stage
 * copies it (/app/dist, /app/package.json, /app/node_modules). node_modules is a symlink to the
 * checkout's, which also holds dev dependencies: deploy-image.test.ts checks separately that
 * the compiled code imports production dependencies only.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { REPO } from './deploy-chart-text.ts';

export interface ImageLayout {
  /** The directory standing in for /app. */
  app: string;
  /** tsc's exit status and everything it printed. */
  status: number | null;
  output: string;
}

function files(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p, keep) : keep(p) ? [p] : [];
  });
}

export function buildImageLayout(root: string): ImageLayout {
  const app = join(root, 'app');
  mkdirSync(app, { recursive: true, mode: 0o755 });
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(REPO, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], {
    cwd: REPO, encoding: 'utf8', timeout: 240_000,
  });
  const src = join(REPO, 'src');
  for (const asset of files(src, (p) => !p.endsWith('.ts'))) {
    const to = join(app, 'dist', relative(src, asset));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(asset, to);
  }
  cpSync(join(REPO, 'package.json'), join(app, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(app, 'node_modules'), 'dir');
  return { app, status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The runtime stage's ENTRYPOINT + CMD, as JSON arrays in the Dockerfile. */
export function imageCommand(dockerfile: string): string[] {
  const runtime = dockerfile.split(/^FROM /m).at(-1) ?? '';
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(runtime)?.[1] ?? '[]';
  const cmd = /^CMD (\[.*\])$/m.exec(runtime)?.[1] ?? '[]';
  return [...(JSON.parse(entry) as string[]), ...(JSON.parse(cmd) as string[])];
}
