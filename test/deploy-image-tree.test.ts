/**
 * The image's filesystem assembled the way the Dockerfile assembles it, with no Docker engine:
 * dist/ from the build stage's own RUN line (deploy-image-layout.ts) and a node_modules from a
 * real `npm ci --omit=dev` (the deps stage). Then `podgate serve` runs from it as a non-root
 * user (10001) in a private mount namespace whose root filesystem is remounted read-only, with
 * only the stateDir writable, and a real OpenSSH client gets a session through it. The tree
 * holds no compiler or build tool, nothing of the emulator, and its size is reported.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generateKeyPair } from '../src/cli/ssh-keypair.ts';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { REPO } from './deploy-chart-text.ts';
import { buildImageLayout, type ImageLayout } from './deploy-image-layout.ts';
import { makeKeyDir, type KeyDir } from './helpers/keys.ts';
import { ssh, waitFor } from './helpers/ssh.ts';

const UID = 10001;
let root = '';
let layout: ImageLayout;
let npmCi: { status: number | null; output: string };
let emu: Emulator | null = null;
let child: ChildProcess | null = null;
let keys: KeyDir;
let out = '';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'podgate-image-tree-'));
  chmodSync(root, 0o755);
  layout = buildImageLayout(root);
  // The deps stage: package.json + package-lock.json, `npm ci --omit=dev` (install scripts on),
  // into a fresh directory, replacing the layout's symlinked stand-in.
  const deps = join(root, 'deps');
  mkdirSync(deps);
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(REPO, f), join(deps, f));
  // Not spawnSync: a long synchronous wait starves vitest's worker RPC.
  const r = await new Promise<{ status: number | null; output: string }>((resolve) => {
    const npm = spawn('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: deps, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
    let output = '';
    npm.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    npm.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    npm.on('error', (err) => resolve({ status: null, output: `${output}${err.message}` }));
    npm.on('close', (status) => resolve({ status, output }));
  });
  npmCi = r;
  rmSync(join(layout.app, 'node_modules'), { recursive: true, force: true });
  if (r.status === 0) cpSync(join(deps, 'node_modules'), join(layout.app, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  keys = makeKeyDir('podgate-image-tree-users-');
}, 600_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
  }
  await emu?.close();
  keys?.cleanup();
  if (root) rmSync(root, { recursive: true, force: true });
}, 60_000);

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

function kib(dir: string): number {
  return Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]);
}

describe('the image filesystem (dist/ + npm ci --omit=dev)', () => {
  it('installs and builds', () => {
    expect(layout.status, layout.output).toBe(0);
    expect(npmCi.status, npmCi.output).toBe(0);
    expect(existsSync(join(layout.app, 'dist', 'main.js'))).toBe(true);
  });

  it('holds no compiler, build tool, type checker or emulator, and reports its size', () => {
    const modules = readdirSync(join(layout.app, 'node_modules'));
    for (const tool of ['typescript', 'tsx', 'esbuild', 'vitest', 'node-gyp', 'node-pty', 'kubernetes-models', '@aws-cdk']) expect(modules, tool).not.toContain(tool);
    const all = files(layout.app);
    // No build toolchain binaries (what g++/make/python3 in the deps stage leave behind is
    // only each addon's compiled .node file).
    expect(all.filter((f) => /\/(gcc|g\+\+|cc1plus|make|python3?|tsc|esbuild)$/.test(f))).toEqual([]);
    expect(all.filter((f) => /\/dist\/(emulator|demo)|\/testing\//.test(f))).toEqual([]);
    const dist = kib(join(layout.app, 'dist'));
    const nodeModules = kib(join(layout.app, 'node_modules'));
    console.log(`image tree: dist ${(dist / 1024).toFixed(1)} MiB, node_modules ${(nodeModules / 1024).toFixed(1)} MiB (${modules.length} top-level packages), ${all.length} files; plus the node:24 bookworm-slim base and tini`);
    // @kubernetes/client-node alone is ~64 MiB (its generated API models); the rest is ~40 MiB.
    expect(nodeModules).toBeLessThan(128 * 1024);
  });
});

describe('podgate serve from it as uid 10001 on a read-only root', () => {
  it('starts, serves a real OpenSSH session, and cannot write outside its stateDir', async () => {
    expect(npmCi.status, npmCi.output).toBe(0);
    emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true });
    const etc = join(root, 'etc');
    mkdirSync(etc, { mode: 0o755 });
    const kubeconfig = join(etc, 'kubeconfig');
    emu.writeKubeconfig(kubeconfig, { token: 'podgate-token' });
    chmodSync(kubeconfig, 0o644);
    const hostKey = join(etc, 'ssh_host_ed25519_key');
    writeFileSync(hostKey, generateKeyPair('ed25519', 'podgate-host').private, { mode: 0o600 });
    chownSync(hostKey, UID, UID);
    const state = join(root, 'state');
    mkdirSync(state, { mode: 0o700 });
    chownSync(state, UID, UID);
    const alice = keys.generate('alice');
    const config = join(etc, 'config.yaml');
    writeFileSync(config, stringify({
      listen: '127.0.0.1:0',
      hostKeys: [hostKey],
      stateDir: state,
      users: [{ name: 'alice', publicKeys: [alice.publicKey], kubernetes: { user: 'alice', groups: ['dev'] } }],
      // The browser terminal's page files must ship in the image too.
      web: { listen: '127.0.0.1:0' },
    }), { mode: 0o644 });

    // A private mount namespace: the stateDir becomes its own (writable) mount, then the root
    // filesystem is remounted read-only; a probe proves it before node starts as 10001.
    const script = [
      'set -e',
      'mount --bind "$STATE" "$STATE"',
      'mount -o remount,bind,ro /',
      'if touch "$APP/rw-probe" 2>/dev/null || touch /tmp/podgate-rw-probe-$$ 2>/dev/null; then echo "root is writable" >&2; exit 97; fi',
      'exec setpriv --reuid=10001 --regid=10001 --clear-groups -- "$NODE" "$APP/dist/main.js" serve --config "$CONFIG" --kubeconfig "$KUBECONFIG"',
    ].join('\n');
    const proc = spawn('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production', STATE: state, APP: layout.app, NODE: process.execPath, CONFIG: config, KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    proc.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    proc.on('error', (err) => (out += `spawn: ${err.message}\n`));
    const listening = await waitFor(() => {
      if (proc.exitCode !== null) throw new Error(`podgate exited ${proc.exitCode}:\n${out}`);
      const line = out.split('\n').find((l) => l.includes('"SERVER_LISTENING"'));
      return line ? (JSON.parse(line) as { port: number }) : null;
    }, 'SERVER_LISTENING', 60_000);

    const r = await ssh({ port: listening.port, keyFor: () => alice.privateKeyPath }, 'alice+web-7d9f', ['echo from-the-image']);
    expect(r.stdout.toString('utf8'), String(r.stderr)).toBe('from-the-image\n');
    expect(r.code).toBe(0);
    // The process runs as 10001, and nothing appeared in the read-only tree.
    const status = execFileSync('cat', [`/proc/${proc.pid}/status`], { encoding: 'utf8' });
    expect(status).toMatch(new RegExp(`^Uid:\\s+${UID}\\s`, 'm'));
    expect(existsSync(join(layout.app, 'rw-probe'))).toBe(false);
    expect(out).not.toMatch(/EROFS|EACCES/);
    // The terminal page's files: xterm.js from node_modules, podgate's own from dist/.
    const web = JSON.parse(out.split('\n').find((l) => l.includes('"WEB_LISTENING"')) ?? '{}') as { publicUrl?: string };
    expect(web.publicUrl, out).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const asset of ['xterm.mjs', 'xterm.css', 'addon-fit.mjs', 'addon-web-links.mjs', 'terminal.js', 'terminal.css']) {
      const res = await fetch(`${web.publicUrl}/assets/${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.text()).length, asset).toBeGreaterThan(100);
    }
  }, 120_000);
});
