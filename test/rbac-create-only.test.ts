/**
 * Real clusters' RBAC: the Role most tutorials write grants `create` (not `get`) on pods/exec and
 * pods/portforward. Real kubectl is the referee for what the cluster allows on each side of the
 * 1.35 change (AuthorizePodWebsocketUpgradeCreatePermission): its WebSocket upgrade (a GET) is
 * refused for such a user and it falls back to SPDY (a POST, authorized as `create`), which the
 * emulator serves as the kubelet does. podgate speaks WebSocket only: it must let in every user
 * the cluster lets in over WebSocket, and tell the others exactly which verb is missing.
 *
 *   erin:  pods get/list, pods/exec + pods/portforward create, pods/log get (prod)
 *   dave:  pods + pods/exec get (prod)
 *   carol: pods get/list (prod)
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { startPodgate, type Podgate, type TestUser } from './helpers/podgate.ts';
import { ssh } from './helpers/ssh.ts';
import { background, freePort, roundTrip, waitListening } from './forward-helpers.ts';
import { until } from './helpers/runtime-harness.ts';

const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
const KUBECTLS = ['1.30', '1.33'].map((v) => ({ v, bin: join(KUBECTL_DIR, `kubectl.${v}`) }));
for (const k of [...KUBECTLS, { bin: join(KUBECTL_DIR, 'kubectl.1.27') }]) if (!existsSync(k.bin)) throw new Error(`${k.bin} is missing: the referee of this suite`);

const USERS: TestUser[] = [
  { name: 'alice', kubernetes: { user: 'alice', groups: ['dev'] } },
  { name: 'dave', kubernetes: { user: 'dave', groups: [] }, defaultNamespace: 'prod' },
  { name: 'erin', kubernetes: { user: 'erin', groups: [] }, defaultNamespace: 'prod' },
  { name: 'carol', kubernetes: { user: 'carol', groups: [] }, defaultNamespace: 'prod' },
  { name: 'frank', kubernetes: { user: 'frank', groups: [] }, defaultNamespace: 'prod' },
];

/** The minimal Role of README.md's deployment section, bound to `frank` in prod. */
function readmeRole(): string {
  const readme = readFileSync('README.md', 'utf8');
  const m = /<!-- minimal-role -->\s*```yaml\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no minimal-role yaml block');
  return m[1].replace(/namespace: NAMESPACE/g, 'namespace: prod').replace(/name: USER/g, 'name: frank');
}

function fixture(): string {
  const base = readFileSync('test/fixtures/cluster.yaml', 'utf8')
    .replace('resourceNames: [alice, bob, mallory, carol, dave, erin]', 'resourceNames: [alice, bob, mallory, carol, dave, erin, frank]');
  return `${base}\n---\n${readmeRole()}`;
}

interface Run { code: number; stdout: string; stderr: string }

function kubectl(bin: string, kubeconfig: string, args: string[], input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(bin, ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

interface Cluster { emu: Emulator; pg: Podgate; kubeconfig: string }

const dir = mkdtempSync(join(tmpdir(), 'rbac-create-only-'));
const clusters: Record<'1.33' | '1.35', Cluster> = {} as Record<'1.33' | '1.35', Cluster>;

beforeAll(async () => {
  for (const v of ['1.33', '1.35'] as const) {
    const emu = await startEmulator({ fixtureText: fixture(), tls: true, control: true, serverVersion: `${v}.2` });
    const kubeconfig = join(dir, `kubeconfig-${v}`);
    emu.writeKubeconfig(kubeconfig, { token: 'admin-token' });
    const pg = await startPodgate({ emulator: emu, users: USERS });
    clusters[v] = { emu, pg, kubeconfig };
  }
}, 180_000);

afterAll(async () => {
  for (const c of Object.values(clusters)) {
    await c.pg?.stop();
    await c.emu?.close();
  }
  rmSync(dir, { recursive: true, force: true });
}, 90_000);

describe('the referee: real kubectl against both authorization behaviours', () => {
  for (const v of ['1.33', '1.35'] as const) {
    for (const k of KUBECTLS) {
      it(`${v} server, kubectl ${k.v}: a create-only user gets in over SPDY; exit status and stdin as usual`, async () => {
        const c = clusters[v];
        const r = await kubectl(k.bin, c.kubeconfig, ['--as', 'erin', '-n', 'prod', 'exec', '-i', 'db-0', '--', 'sh', '-c', 'cat; echo out-$((6*7)); echo err >&2; exit 3'], 'from-stdin\n');
        expect(r.stdout).toBe('from-stdin\nout-42\n');
        expect(r.stderr).toContain('err\n');
        expect(r.code).toBe(3);
        const reqs = (await c.emu.requests()).filter((q) => q.path === '/api/v1/namespaces/prod/pods/db-0/exec' && q.impersonatedUser === 'erin');
        expect(reqs.map((q) => `${q.method} ${q.status}`).slice(-2)).toEqual(['GET 403', 'POST 101']);
      });
    }

    it(`${v} server: a get-only user ${v === '1.33' ? 'gets in over WebSocket' : 'is refused: the WebSocket upgrade needs create, SPDY needs create'}`, async () => {
      const r = await kubectl(KUBECTLS[1].bin, clusters[v].kubeconfig, ['--as', 'dave', '-n', 'prod', 'exec', 'db-0', '--', 'echo', 'dave-in']);
      if (v === '1.33') {
        expect(r.code).toBe(0);
        expect(r.stdout).toBe('dave-in\n');
      } else {
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('User "dave" cannot create resource "pods/exec" in API group "" in the namespace "prod"');
      }
    });
  }

  it('kubectl 1.27, which speaks only SPDY, execs as an admin and as the create-only user', async () => {
    const bin = join(KUBECTL_DIR, 'kubectl.1.27');
    for (const as of [[], ['--as', 'erin']]) {
      const r = await kubectl(bin, clusters['1.33'].kubeconfig, [...as, '-n', 'prod', 'exec', '-i', 'db-0', '--', 'sh', '-c', 'cat; exit 4'], 'old-client\n');
      expect(r.stdout).toBe('old-client\n');
      expect(r.code).toBe(4);
    }
  });

  it('carries 1 MiB each way over SPDY and a TTY with resize (kubectl 1.33 -it in tmux)', async () => {
    const c = clusters['1.35'];
    const big = await kubectl(KUBECTLS[1].bin, c.kubeconfig, ['--as', 'erin', '-n', 'prod', 'exec', '-i', 'db-0', '--', 'sh', '-c', 'wc -c; head -c 1048576 /dev/zero | tr "\\0" x'], 'y'.repeat(1 << 20));
    expect(big.code).toBe(0);
    expect(big.stdout.startsWith('1048576\n')).toBe(true);
    expect(big.stdout.length).toBe('1048576\n'.length + (1 << 20));
    const sock = `podgate-rbac-${process.pid}`;
    const tmux = (...a: string[]) => spawnSync('tmux', ['-L', sock, ...a], { encoding: 'utf8' });
    try {
      tmux('new-session', '-d', '-s', 't', '-x', '100', '-y', '30',
        `${KUBECTLS[1].bin} --kubeconfig ${c.kubeconfig} --as erin -n prod exec -it db-0 -- sh`);
      const sizeShows = async (want: RegExp): Promise<void> => {
        for (let i = 0; i < 10; i++) {
          tmux('send-keys', '-t', 't', 'stty size', 'Enter');
          try {
            await until(() => want.test(tmux('capture-pane', '-p', '-t', 't').stdout), 2_000, String(want));
            return;
          } catch { /* the shell may not be up yet: ask again */ }
        }
        throw new Error(`pane never showed ${String(want)}: ${tmux('capture-pane', '-p', '-t', 't').stdout}`);
      };
      await sizeShows(/^30 100$/m);
      tmux('resize-window', '-t', 't', '-x', '120', '-y', '40');
      await sizeShows(/^40 120$/m);
    } finally {
      tmux('kill-server');
    }
  });
});

describe('podgate for the same users', () => {
  it('tells a create-only user exactly which verb is missing, for exec and port-forward, on both versions', async () => {
    for (const v of ['1.33', '1.35'] as const) {
      const pg = clusters[v].pg;
      const r = await ssh(pg, 'erin+db-0.prod', ['echo', 'in']);
      expect(r.code).toBe(255);
      expect(r.stderr).toContain('podgate: RBAC grants create but not get on pods/exec in prod; podgate needs both: add "get"\n');
      expect(r.stdout.length).toBe(0);
      const fwd = await ssh(pg, 'erin+db-0.prod', [], { extraArgs: ['-W', 'localhost:9000'], timeoutMs: 30_000 });
      expect(fwd.code).toBe(255);
      expect(fwd.stderr).toMatch(/open failed|stdio forwarding failed/);
      const denied = await until(async () => pg.logs().find((l) => l['code'] === 'FORWARD_DENIED' && l['user'] === 'erin'), 20_000, 'FORWARD_DENIED erin');
      expect(denied).toMatchObject({ errorCode: 'FORBIDDEN', message: 'RBAC grants create but not get on pods/portforward in prod; podgate needs both: add "get"' });
    }
  });

  it('lets a get-only user in where the cluster does (1.33) and names the missing verb where it does not (1.35)', async () => {
    const old = await ssh(clusters['1.33'].pg, 'dave+db-0.prod', ['echo', 'dave-in']);
    expect(old.stderr).toBe('');
    expect(old.stdout.toString()).toBe('dave-in\n');
    expect(old.code).toBe(0);
    const cur = await ssh(clusters['1.35'].pg, 'dave+db-0.prod', ['echo', 'dave-in']);
    expect(cur.code).toBe(255);
    expect(cur.stderr).toContain('podgate: RBAC grants get but not create on pods/exec in prod; Kubernetes v1.35.2 needs both for WebSocket streams: add "create"\n');
  });

  it('keeps the plain refusal for a user the cluster grants nothing on pods/exec', async () => {
    const r = await ssh(clusters['1.35'].pg, 'carol+db-0.prod', ['echo', 'in']);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('podgate: carol may not exec into pods in namespace "prod"\n');
  });

  it('whoami shows per namespace what the cluster grants for exec, port-forward and logs', async () => {
    const erin = await ssh(clusters['1.35'].pg, 'erin', ['whoami']);
    expect(erin.code).toBe(0);
    expect(erin.stdout.toString()).toMatch(/^NAMESPACE\s+EXEC\s+PORT-FORWARD\s+LOGS$/m);
    expect(erin.stdout.toString()).toMatch(/^prod\s+no \(add get\)\s+no \(add get\)\s+yes$/m);
    const dave = await ssh(clusters['1.35'].pg, 'dave', ['whoami']);
    expect(dave.stdout.toString()).toMatch(/^prod\s+no \(add create\)\s+no\s+no$/m);
    const daveOld = await ssh(clusters['1.33'].pg, 'dave', ['whoami']);
    expect(daveOld.stdout.toString()).toMatch(/^prod\s+yes\s+no\s+no$/m);
    const alice = await ssh(clusters['1.35'].pg, 'alice', ['whoami']);
    expect(alice.stdout.toString()).toMatch(/^default\s+yes\s+yes\s+yes$/m);
    expect(alice.stdout.toString()).toMatch(/^prod\s+yes\s+yes\s+yes$/m);
    expect(alice.stdout.toString()).not.toMatch(/^staging/m);
  });

  it("the README's minimal Role is enough for exec, port-forward and logs through podgate on 1.35", async () => {
    const pg = clusters['1.35'].pg;
    const who = await ssh(pg, 'frank', ['whoami']);
    expect(who.stdout.toString()).toMatch(/^prod\s+yes\s+yes\s+yes$/m);
    const exec = await ssh(pg, 'frank+db-0.prod', ['echo', 'frank-in']);
    expect(exec.stdout.toString()).toBe('frank-in\n');
    expect(exec.code).toBe(0);
    const logs = await ssh(pg, 'frank', ['logs', 'db-0.prod', '--tail', '1']);
    expect(logs.code).toBe(0);
    // db-0 echoes what reaches its port 9000 (socat EXEC:cat).
    const lport = await freePort();
    const fwd = background(pg, 'frank+db-0.prod', ['-L', `${lport}:localhost:9000`]);
    try {
      await waitListening(lport);
      const rt = await roundTrip(lport, Buffer.from('through-the-forward\n'), 20, 30_000);
      expect(rt.received.toString()).toBe('through-the-forward\n');
    } finally {
      await fwd.stop();
    }
  });
});
