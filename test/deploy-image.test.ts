/**
 * The Dockerfile, checked without a Docker engine (none runs here): every COPY source exists in
 * the build context (and is not excluded by .dockerignore) or is produced by an earlier stage;
 * the entry point is the file `npm run build` produces. deploy-pod.test.ts builds that file for
 * real and runs it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO, readTemplate } from './deploy-chart-text.ts';
import { dockerignore, ignoredBy, imageCommand } from './deploy-image-layout.ts';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`cannot read Dockerfile line: ${line}`);
    const op = (m[1] ?? '').toUpperCase();
    const rest = m[2] ?? '';
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!f) throw new Error(`bad FROM: ${rest}`);
      stages.push({ base: f[1] ?? '', name: f[2] ?? String(stages.length), instructions: [] });
    } else if (op === 'ARG' && stages.length === 0) {
      const [k, v = ''] = rest.split('=');
      args.set(k ?? '', v);
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${op} before FROM`);
      stage.instructions.push({ op, args: rest });
    }
  }
  return { args, stages };
}

/** COPY's flags, sources and destination (shell form only; this Dockerfile uses no JSON COPY). */
function copyParts(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { ...(from ? { from } : {}), sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
}

const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const ignore = dockerignore();
const buildConfig = JSON.parse(readFileSync(join(REPO, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { outDir: string; rootDir: string } };
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const runtime = dockerfile.stages.at(-1) as Stage;

function stageByName(name: string): Stage {
  const s = dockerfile.stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name}`);
  return s;
}

/** Absolute paths a stage holds after its instructions: its base's, COPY destinations, RUN outputs. */
function producedPaths(stage: Stage): { paths: string[]; workdir: string } {
  const inherited = dockerfile.stages.some((s) => s.name === stage.base) ? producedPaths(stageByName(stage.base)) : { paths: [], workdir: '/' };
  const paths = [...inherited.paths];
  let workdir = inherited.workdir;
  for (const ins of stage.instructions) {
    if (ins.op === 'WORKDIR') workdir = posix.resolve(workdir, ins.args);
    if (ins.op === 'COPY') {
      const { sources, dest } = copyParts(ins.args);
      const d = posix.resolve(workdir, dest);
      for (const s of sources) paths.push(dest.endsWith('/') ? posix.join(d, posix.basename(s)) : d);
    }
    if (ins.op === 'RUN') {
      // What these commands leave behind, by what npm and tsc do: npm ci writes node_modules
      // next to package.json; `npm run build` is `tsc -p tsconfig.build.json` (checked below).
      if (/\bnpm ci\b/.test(ins.args)) paths.push(posix.join(workdir, 'node_modules'));
      if (/\bnpm run build\b/.test(ins.args)) paths.push(posix.join(workdir, buildConfig.compilerOptions.outDir));
    }
  }
  return { paths, workdir };
}

function runtimeExec(): string[] {
  return imageCommand(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
}

describe('Dockerfile', () => {
  it('builds on the exact Node the test suite runs on (.ci/run), pinned by digest', () => {
    const node = dockerfile.args.get('NODE_VERSION') ?? '';
    const pinned = /^PODGATE_NODE24_VERSION=(\S+)$/m.exec(readFileSync(join(REPO, 'scripts', 'use-node24.sh'), 'utf8'))?.[1];
    expect(node).toBe(pinned);
    expect(node.split('.')[0]).toBe('24');
    expect(readFileSync(join(REPO, '.ci', 'run'), 'utf8')).toMatch(/^source scripts\/use-node24\.sh$/m);
    expect(dockerfile.args.get('NODE_DIGEST')).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const s of dockerfile.stages) {
      if (!dockerfile.stages.some((x) => x.name === s.base)) expect(s.base).toMatch(/^node:\$\{NODE_VERSION\}-\S+@\$\{NODE_DIGEST\}$/);
    }
  });

  it('every COPY from the build context names a file that exists and that .dockerignore lets through', () => {
    let checked = 0;
    for (const stage of dockerfile.stages) {
      for (const ins of stage.instructions.filter((i) => i.op === 'COPY' || i.op === 'ADD')) {
        expect(ins.op, 'ADD fetches and unpacks; COPY only').toBe('COPY');
        const { from, sources } = copyParts(ins.args);
        if (from) continue;
        for (const src of sources) {
          const abs = resolve(REPO, src);
          expect(relative(REPO, abs).startsWith('..'), src).toBe(false);
          expect(existsSync(abs), `${stage.name}: COPY ${src}`).toBe(true);
          expect(ignoredBy(ignore, relative(REPO, abs)), `${src} is excluded by .dockerignore`).toBe(false);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('the build stage gets every file tsc needs from the context: no source file is dockerignored', () => {
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p) : [relative(REPO, p)];
    });
    const needed = files(join(REPO, 'src')).filter((f) => !f.endsWith('.test.ts'));
    expect(needed.length).toBeGreaterThan(10);
    for (const f of needed) expect(ignoredBy(ignore, f), f).toBe(false);
    for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json']) expect(ignoredBy(ignore, f), f).toBe(false);
    // and nothing that must not be in an image layer goes into the context
    for (const f of ['.git/config', 'keys/ssh_host_ed25519_key', 'node_modules/ssh2/package.json', 'test/helpers/keys.ts']) expect(ignoredBy(ignore, f), f).toBe(true);
  });

  it('every COPY --from names a path the earlier stage produced', () => {
    let checked = 0;
    for (const stage of dockerfile.stages) {
      for (const ins of stage.instructions.filter((i) => i.op === 'COPY')) {
        const { from, sources } = copyParts(ins.args);
        if (!from) continue;
        const produced = producedPaths(stageByName(from)).paths;
        for (const src of sources) {
          expect(produced, `COPY --from=${from} ${src}`).toContain(src);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  it('ships production dependencies only, and compiled JavaScript, never src/', () => {
    const deps = stageByName(copyParts(runtime.instructions.find((i) => i.op === 'COPY' && i.args.includes('node_modules'))?.args ?? '').from ?? '');
    expect(deps.instructions.some((i) => i.op === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args))).toBe(true);
    expect(deps.instructions.some((i) => i.op === 'RUN' && /--ignore-scripts/.test(i.args))).toBe(false);
    for (const ins of runtime.instructions.filter((i) => i.op === 'COPY')) expect(copyParts(ins.args).sources.some((s) => /(^|\/)src(\/|$)/.test(s)), ins.args).toBe(false);
    expect(readFileSync(join(REPO, 'tsconfig.build.json'), 'utf8')).toContain('"src/**/*.test.ts"');
    expect(pkg.devDependencies).toHaveProperty('typescript');
  });

  it('runs as a numeric non-root user, under tini, exposing SSH and metrics', () => {
    const user = runtime.instructions.filter((i) => i.op === 'USER').at(-1)?.args ?? '';
    expect(user).toMatch(/^[1-9][0-9]*:[1-9][0-9]*$/);
    const values = parseYaml(readFileSync(join(REPO, 'chart', 'values.yaml'), 'utf8')) as { podSecurityContext: { runAsUser: number; runAsGroup: number } };
    expect(user).toBe(`${values.podSecurityContext.runAsUser}:${values.podSecurityContext.runAsGroup}`);
    const exposed = runtime.instructions.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(exposed.sort()).toEqual(['2222', '9090']);
    const argv = runtimeExec();
    expect(argv.slice(0, 3)).toEqual(['/usr/bin/tini', '--', 'node']);
    expect(runtime.instructions.some((i) => i.op === 'RUN' && /apt-get install[^&]*\btini\b/.test(i.args))).toBe(true);
  });

  it("CMD runs the file `npm run build` produces, with the chart's config path", () => {
    expect(pkg).toHaveProperty(['scripts', 'build'], 'tsc -p tsconfig.build.json');
    const argv = runtimeExec();
    const script = argv[3] ?? '';
    const { workdir } = producedPaths(runtime);
    // src/main.ts -> <outDir>/main.js (rootDir src), under the WORKDIR the build ran in.
    const buildWorkdir = producedPaths(stageByName('build')).workdir;
    expect(workdir).toBe(buildWorkdir);
    const expected = posix.join(buildWorkdir, buildConfig.compilerOptions.outDir, posix.relative(buildConfig.compilerOptions.rootDir, 'src/main.js'));
    expect(script).toBe(expected);
    expect(existsSync(join(REPO, 'src', 'main.ts'))).toBe(true);
    expect(argv.slice(4)).toEqual(['serve', '--config', '/etc/podgate/config.yaml']);
    const deployment = readTemplate('deployment.yaml');
    // The chart mounts the ConfigMap as a directory (reloadable) and points --config into it.
    expect(deployment).toContain('args: ["serve", "--config", "/etc/podgate/config/config.yaml"]');
    expect(deployment).toContain('mountPath: /etc/podgate/config\n');
  });
});

describe('npm package', () => {
  it('would publish only bin/podgate.js and the compiled product, never sources or the emulator', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
    expect(files).toContain('bin/podgate.js');
    for (const f of files) {
      expect(['package.json', 'README.md', 'LICENSE', 'bin/podgate.js'].includes(f) || f.startsWith('dist/'), f).toBe(true);
      expect(f, 'development tooling in the package').not.toMatch(/(^|\/)(emulator|testing)\/|(^|\/)demo[^/]*\.js$/);
    }
    expect(pkg).toHaveProperty(['scripts', 'prepack'], 'npm run build');
    expect(pkg.dependencies).not.toHaveProperty('node-pty');
  });
});
