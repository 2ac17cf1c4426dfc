/**
 * The image's command, run the way the chart's pod runs it, minus the container: no Docker
 * engine or cluster exists here, so this is the closest honest stand-in.
 *  - /app is built as the Dockerfile builds it (deploy-image-layout.ts);
 *  - the argv is the runtime stage's ENTRYPOINT + CMD (tini -> node /app/dist/main.js serve
 *    --config /etc/podgate/config.yaml), with /app and /etc/podgate moved under a temp root and
 *    --kubeconfig added (no in-cluster service account here: the emulator's podgate token);
 *  - as uid:gid 10001:10001 (the chart's runAsUser/runAsGroup), with the host keys root-owned
 *    and readable by that group only (a Secret mounted 0440 with fsGroup), everything else
 *    root-owned and read-only to it except the stateDir (and /tmp);
 *  - the config is the chart's defaults plus one user and the keys the chart sets;
 *  - the emulator's RBAC is the chart's: the service account has only the impersonator role,
 *    the user only the access role (least privilege that works, or the sessions fail).
 * Then: health endpoints, a real OpenSSH client, and SIGTERM to tini draining a live session
 * within the pod's terminationGracePeriodSeconds. Before that, the built /app itself: the build
 * succeeds, imports only production dependencies, and `check-config` accepts the chart's config.
 */
import { generateKeyPair } from '../src/cli/ssh-keypair.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/index.ts';
import { makeKeyDir, type KeyDir } from './helpers/keys.ts';
import { ssh, waitFor, type SshEndpoint } from './helpers/ssh.ts';
import { REPO, parseTemplate, readTemplate, type Rule } from './deploy-chart-text.ts';
import { buildImageLayout, imageCommand, type ImageLayout } from './deploy-image-layout.ts';

const UID = 10001;
const GID = 10001;
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const values = parseYaml(readFileSync(join(REPO, 'chart', 'values.yaml'), 'utf8')) as {
  config: Record<string, unknown> & { limits: Record<string, number> };
  terminationGraceMarginSeconds: number;
};
// Short drain and reap periods keep the test quick; the grace period follows the chart's formula.
const SHUTDOWN_GRACE = 3;
const REAP_GRACE = 2;
const TERMINATION_GRACE = SHUTDOWN_GRACE + REAP_GRACE + values.terminationGraceMarginSeconds;

let root = '';
let layout: ImageLayout;
let emu: Emulator | null = null;
let userKeys: KeyDir;
let child: ChildProcess | null = null;
let exited: Promise<number | null>;
const lines: Record<string, unknown>[] = [];
let stderr = '';
let endpoint: SshEndpoint;
let metricsPort = 0;

/**
 * The shared cluster fixture, with the chart's RBAC in place of the fixture's own: the
 * podgate service account gets exactly the chart's impersonator ClusterRole (resourceNames as
 * the chart renders them for this test's one user: alice, group dev) and alice's binding in
 * `default` points at exactly the chart's access ClusterRole. If podgate needed more, the
 * emulator's RBAC would refuse and the sessions below would fail.
 */
function leastPrivilegeFixture(): string {
  const rules = (file: string, suffix: string): Rule[] => {
    const role = parseTemplate(file).docs.find((d) => d.kind === 'ClusterRole' && String((d.metadata as { name: string }).name).endsWith(suffix));
    return structuredClone((role?.rules ?? []) as Rule[]);
  };
  const impersonator = rules('rbac.yaml', '-impersonator').map((r) => ({
    ...r,
    ...(r.resourceNames ? { resourceNames: r.resources.includes('users') ? ['alice'] : ['dev'] } : {}),
  }));
  const docs = parseAllDocuments(readFileSync(join(REPO, 'test', 'fixtures', 'cluster.yaml'), 'utf8')).map((d) => d.toJS() as Record<string, unknown> | null);
  const out: Record<string, unknown>[] = [];
  let replaced = 0;
  for (const d of docs) {
    if (!d) continue;
    const meta = (d.metadata ?? {}) as { name?: string; namespace?: string };
    if (d.kind === 'ClusterRole' && meta.name === 'podgate-bastion') {
      out.push({ ...d, rules: impersonator });
      replaced++;
    } else if (d.kind === 'RoleBinding' && meta.name === 'alice-shell' && meta.namespace === 'default') {
      out.push({ ...d, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'chart-access' } });
      replaced++;
    } else {
      out.push(d);
    }
  }
  if (replaced !== 2) throw new Error('the fixture no longer has ClusterRole podgate-bastion and RoleBinding default/alice-shell');
  out.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'chart-access' }, rules: rules('rbac-access.yaml', '-access') });
  return out.map((d) => stringifyYaml(d)).join('---\n');
}

function find(code: string): Record<string, unknown> | undefined {
  return lines.find((l) => l.code === code);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'podgate-deploy-pod-'));
  chmodSync(root, 0o755);
  layout = buildImageLayout(root);
  userKeys = makeKeyDir('podgate-deploy-pod-users-');
}, 300_000);

async function startPod(): Promise<void> {
  if (layout.status !== 0) throw new Error(`npm run build failed:\n${layout.output}`);

  emu = await startEmulator({ fixtureText: leastPrivilegeFixture(), tls: true });
  const kubeDir = join(root, 'kube');
  mkdirSync(kubeDir, { mode: 0o755 });
  const kubeconfig = join(kubeDir, 'config');
  emu.writeKubeconfig(kubeconfig, { token: 'podgate-token' });
  chmodSync(kubeconfig, 0o644);

  // /etc/podgate: the ConfigMap (config.yaml) and the host-key Secret (root:fsGroup, 0440).
  const etc = join(root, 'etc', 'podgate');
  const hostKeyDir = join(etc, 'host-keys');
  mkdirSync(hostKeyDir, { recursive: true, mode: 0o755 });
  chmodSync(join(root, 'etc'), 0o755);
  const hostKeys: string[] = [];
  for (const [file, type] of [['ssh_host_ed25519_key', 'ed25519'], ['ssh_host_rsa_key', 'rsa']] as const) {
    // generateKeyPair re-makes the 1-in-256 ed25519 pair ssh2 emits broken.
    const pair = generateKeyPair(type, `podgate@${file}`);
    const path = join(hostKeyDir, file);
    writeFileSync(path, pair.private);
    chownSync(path, 0, GID);
    chmodSync(path, 0o440);
    hostKeys.push(`/etc/podgate/host-keys/${file}`);
  }
  // stateDir: an emptyDir the pod's user owns.
  const state = join(root, 'var', 'lib', 'podgate');
  mkdirSync(state, { recursive: true, mode: 0o700 });
  chmodSync(join(root, 'var'), 0o755);
  chmodSync(join(root, 'var', 'lib'), 0o755);
  chownSync(state, UID, GID);

  const alice = userKeys.generate('alice');
  const config: Record<string, unknown> = {
    ...values.config,
    users: [{ name: 'alice', publicKeys: [alice.publicKey], kubernetes: { user: 'alice', groups: ['dev'] } }],
    limits: { ...values.config.limits, shutdownGraceSeconds: SHUTDOWN_GRACE, reapGraceSeconds: REAP_GRACE },
    // The chart's keys, on loopback and ephemeral ports here (0.0.0.0:2222 / :9090 in a pod).
    listen: '127.0.0.1:0',
    hostKeys: hostKeys.map((k) => join(root, k)),
    metrics: { listen: '127.0.0.1:0' },
    stateDir: state,
  };
  if (!config.banner) delete config.banner;
  if (Object.keys(config.session ?? {}).length === 0) delete config.session;
  writeFileSync(join(etc, 'config.yaml'), stringifyYaml(config), { mode: 0o644 });

  const argv = imageCommand(readFileSync(join(REPO, 'Dockerfile'), 'utf8')).map((a) => {
    if (a === 'node') return process.execPath;
    if (a.startsWith('/app/')) return join(layout.app, a.slice('/app/'.length));
    if (a.startsWith('/etc/podgate/')) return join(root, a);
    return a;
  });
  const [cmd = '', ...args] = argv;
  child = spawn(cmd, [...args, '--kubeconfig', kubeconfig], {
    cwd: '/',
    uid: UID,
    gid: GID,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = child;
  exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  let partial = '';
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) {
      try {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        stderr += `stdout: ${l}\n`;
      }
    }
  });
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (c: string) => { stderr += c; });
  proc.on('error', (err) => { stderr += `spawn: ${err.message}\n`; });

  await waitFor(() => find('SERVER_LISTENING') ?? (proc.exitCode !== null ? { failed: true } : undefined), 'SERVER_LISTENING', 60_000);
  const listening = find('SERVER_LISTENING');
  if (!listening) throw new Error(`podgate did not start:\n${stderr}\n${JSON.stringify(lines)}`);
  metricsPort = Number(find('METRICS_LISTENING')?.port);
  endpoint = { port: Number(listening.port), keyFor: () => alice.privateKeyPath };
}

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
  await emu?.close();
  userKeys?.cleanup();
  if (root) rmSync(root, { recursive: true, force: true });
}, 60_000);

async function httpStatus(path: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}${path}`);
  await res.arrayBuffer();
  return res.status;
}

function ownedBy(uid: number, dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    const st = lstatSync(p);
    const mine = st.uid === uid ? [relative(root, p)] : [];
    return st.isDirectory() && !st.isSymbolicLink() ? [...mine, ...ownedBy(uid, p)] : mine;
  });
}

describe('the built /app', () => {
  it("the build stage's `RUN npm run build ...` succeeds and emits the entry point CMD runs", () => {
    expect(layout.run).toMatch(/^npm run build\b/);
    expect(layout.output).not.toMatch(/error/i);
    expect(layout.status).toBe(0);
    expect(existsSync(join(layout.app, 'dist', 'main.js'))).toBe(true);
  });

  it('the compiled code imports only production dependencies, node built-ins and files inside dist/', () => {
    const js = (d: string): string[] => readdirSync(d).flatMap((f) => {
      const p = join(d, f);
      return statSync(p).isDirectory() ? js(p) : p.endsWith('.js') ? [p] : [];
    });
    const files = js(join(layout.app, 'dist'));
    expect(files.length).toBeGreaterThan(10);
    const spec = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(])import\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;
    const builtins = new Set(builtinModules);
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(spec)) {
        const s = m[1] ?? m[2] ?? m[3] ?? '';
        const where = `${relative(layout.app, file)}: ${s}`;
        if (s.startsWith('.')) {
          const target = resolve(dirname(file), s);
          expect(relative(join(layout.app, 'dist'), target).startsWith('..'), where).toBe(false);
          expect(existsSync(target), where).toBe(true);
        } else if (s.startsWith('node:') || builtins.has(s)) {
          continue;
        } else if (s.startsWith('/assets/') && file.endsWith(join('web', 'terminal-page.js'))) {
          // The browser terminal's page script: the browser imports what podgate serves at /assets/.
          continue;
        } else {
          const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] ?? s);
          expect(pkg.dependencies, where).toHaveProperty([name]);
        }
      }
    }
  });

  it('`node /app/dist/main.js check-config` accepts the config the chart renders (chart-owned keys + values.config + a user)', () => {
        const alice = userKeys.generate('carol');
    // The keys configmap.yaml sets itself (listen, hostKeys, metrics, stateDir), on top of values.config.
    const config: Record<string, unknown> = {
      ...values.config,
      users: [{ name: 'carol', publicKeys: [alice.publicKey], kubernetes: { user: 'alice@corp', groups: ['dev'] }, defaultNamespace: 'prod', allow: { namespaces: ['prod'] } }],
      listen: '0.0.0.0:2222',
      hostKeys: ['/etc/podgate/host-keys/ssh_host_ed25519_key', '/etc/podgate/host-keys/ssh_host_rsa_key'],
      metrics: { listen: '0.0.0.0:9090' },
      stateDir: '/var/lib/podgate',
    };
    if (!config.banner) delete config.banner;
    if (Object.keys(config.session ?? {}).length === 0) delete config.session;
    const file = join(root, 'check-config.yaml');
    writeFileSync(file, stringifyYaml(config));
    const r = spawnSync(process.execPath, [join(layout.app, 'dist', 'main.js'), 'check-config', file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(`${r.stdout}${r.stderr}`).toContain(`${file}: ok`);
    expect(r.status).toBe(0);
    const configmap = readTemplate('configmap.yaml');
    for (const key of ['listen', 'hostKeys', 'metrics', 'stateDir']) expect(configmap).toContain(`set $cfg "${key}"`);
    expect(configmap).toContain('"stateDir" "/var/lib/podgate"');
    expect(configmap).toContain('printf "/etc/podgate/host-keys/%s"');
  });
});

describe('the image command as the chart runs it (non-root, root-owned app, keys via fsGroup)', () => {
  beforeAll(startPod, 120_000);

  it('runs as tini with node as its child, both as uid/gid 10001', () => {
    const status = (pid: number): Record<string, string> => Object.fromEntries(
      readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').map((l) => l.split(/:\s+/, 2) as [string, string]),
    );
    const tini = child?.pid ?? 0;
    expect(readFileSync(`/proc/${tini}/comm`, 'utf8').trim()).toBe('tini');
    const kids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
      try {
        return status(Number(d)).PPid === String(tini);
      } catch {
        return false;
      }
    });
    expect(kids).toHaveLength(1);
    const node = status(Number(kids[0]));
    expect(readFileSync(`/proc/${kids[0]}/cmdline`, 'utf8').split('\0').slice(1, 3)).toEqual([join(layout.app, 'dist', 'main.js'), 'serve']);
    for (const s of [status(tini), node]) {
      expect(s.Uid?.split(/\s+/)).toEqual([String(UID), String(UID), String(UID), String(UID)]);
      expect(s.Gid?.split(/\s+/)).toEqual([String(GID), String(GID), String(GID), String(GID)]);
    }
  });

  it('starts, and answers /healthz and /readyz on the metrics port', async () => {
    expect(metricsPort).toBeGreaterThan(0);
    expect(await httpStatus('/healthz')).toBe(200);
    await waitFor(async () => ((await httpStatus('/readyz')) === 200 ? true : undefined), '/readyz 200', 30_000, 250);
    expect(lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('a real OpenSSH client runs commands in a pod through it', async () => {
    const hi = await ssh(endpoint, 'alice+web-7d9f', ['echo', 'hi-from-the-image-layout']);
    expect(hi.stderr).toBe('');
    expect(hi.stdout.toString()).toBe('hi-from-the-image-layout\n');
    expect(hi.code).toBe(0);
    const status = await ssh(endpoint, 'alice+web-7d9f', ['exit 7']);
    expect(status.code).toBe(7);
  });

  it("the console's pods listing works with the chart's service-account rights (namespaces listed as podgate)", async () => {
    const pods = await ssh(endpoint, 'alice', ['pods']);
    expect(pods.stderr).toBe('');
    expect(pods.code).toBe(0);
    // Pods of every namespace alice may enter (default and prod), found by listing namespaces as
    // podgate: without that right the console falls back to her default namespace and warns.
    expect(pods.stdout.toString()).toContain('web-7d9f');
    expect(pods.stdout.toString()).toContain('db-0');
    expect(lines.filter((l) => l.code === 'CONSOLE_NAMESPACES_UNLISTED')).toEqual([]);
  });

  it('SIGTERM to tini: not ready at once, drains a live session, exits 0 within terminationGracePeriodSeconds, wrote only to stateDir', async () => {
    const session = ssh(endpoint, 'alice+web-7d9f', ['sleep', '600'], { timeoutMs: 120_000 });
    await waitFor(async () => {
      const procs = await emu?.processes('default', 'web-7d9f', 'app');
      return procs?.some((p) => p.args.includes('sleep 600')) ? true : undefined;
    }, 'sleep 600 running in web-7d9f', 30_000, 200);
    child?.kill('SIGTERM');
    // Draining: not ready, so the Service stops sending new connections to this pod.
    await waitFor(async () => ((await httpStatus('/readyz').catch(() => 0)) === 503 ? true : undefined), '/readyz 503 while draining', 5_000, 100);
    const code = await Promise.race([
      exited,
      new Promise<'still running'>((r) => setTimeout(() => r('still running'), TERMINATION_GRACE * 1000).unref()),
    ]);
    expect(code, stderr).toBe(0);
    expect(find('SIGNAL')).toMatchObject({ signal: 'SIGTERM' });
    expect(find('SHUTDOWN_DONE')).toBeDefined();
    const ended = await session;
    expect(ended.timedOut).toBe(false);
    await waitFor(async () => {
      const procs = await emu?.processes('default', 'web-7d9f', 'app');
      return procs && !procs.some((p) => p.args.includes('sleep 600')) ? true : undefined;
    }, 'sleep 600 reaped', 30_000, 200);
    // Every file the process created is under the stateDir (it could write nowhere else in
    // the temp root anyway: the rest is root-owned and read-only to uid 10001).
    expect(ownedBy(UID, root).filter((p) => !p.startsWith(join('var', 'lib', 'podgate')))).toEqual([]);
  });
});
