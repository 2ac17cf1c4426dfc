/**
 * Real kubectl binaries against the emulator (everything but exec/port-forward, which
 * test/kubectl-exec.test.ts covers): listing, selectors, workloads, access reviews, Forbidden
 * text, logs. Each check runs with kubectl 1.33 and 1.31 by absolute path, with only
 * --kubeconfig (KUBECONFIG unset, HOME a scratch directory).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/index.ts';

const BIN = '/usr/lib/google-cloud-sdk/bin';
const VERSIONS = ['kubectl.1.33', 'kubectl.1.31'];
const present = VERSIONS.filter((v) => existsSync(join(BIN, v)));
if (present.length === 0) console.warn(`kubectl-conformance: skipped, no ${VERSIONS.join(' or ')} in ${BIN}`);

let emu: Emulator;
let dir: string;
let adminKc: string;

beforeAll(async () => {
  if (present.length === 0) return;
  dir = mkdtempSync(join(tmpdir(), 'kubectl-conf-'));
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  adminKc = join(dir, 'admin.kubeconfig');
  emu.writeKubeconfig(adminKc, { token: 'admin-token' });
}, 120_000);

afterAll(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

interface Run { code: number; stdout: string; stderr: string }

function kubectl(bin: string, args: string[], kubeconfig = adminKc): Promise<Run> {
  return new Promise((resolve) => {
    execFile(bin.startsWith('/') ? bin : join(BIN, bin), ['--kubeconfig', kubeconfig, ...args],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

const rows = (out: string): string[][] => out.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));

// Absent kubectl: the suites below are reported as skipped (the warning above says why).
describe.skipIf(present.length === 0).each(present.length > 0 ? present : ['kubectl (absent)'])('%s', (bin) => {
  it('get pods -A prints the server-side table for every namespace', async () => {
    const r = await kubectl(bin, ['get', 'pods', '-A']);
    expect(r.stderr).toBe('');
    const t = rows(r.stdout);
    expect(t[0]).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    const byName = new Map(t.slice(1).map((row) => [row[1], row]));
    expect(byName.get('web-7d9f')?.slice(0, 5)).toEqual(['default', 'web-7d9f', '1/1', 'Running', '0']);
    expect(byName.get('api-0')?.[0]).toBe('staging');
    expect(byName.get('vault-0')?.[0]).toBe('secret');
    expect(byName.get('multi')?.[2]).toBe('2/2');
    expect(byName.get('pending-1')?.[3]).toBe('ContainerCreating');
    expect(byName.get('done-1')?.[3]).toBe('Completed');
    expect(byName.get('broken-6f7c-zzzzz')?.slice(2, 4)).toEqual(['0/1', 'Running']);
    expect(byName.get('crashy')?.[4]).toMatch(/^1 \(\S+ ago\)$/);
  });

  it('get pods -n prod -l app=web lists the two replicas', async () => {
    const r = await kubectl(bin, ['get', 'pods', '-n', 'prod', '-l', 'app=web', '-o', 'name']);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['pod/web-5d4c8b-q7m4z', 'pod/web-5d4c8b-x2k9p']);
    const f = await kubectl(bin, ['get', 'pods', '-n', 'prod', '--field-selector', 'status.phase=Pending', '-o', 'name']);
    expect(f.stdout.trim()).toBe('pod/pending-1');
  });

  it('get deploy,sts -n prod shows the workloads with ready counts', async () => {
    const r = await kubectl(bin, ['get', 'deploy,sts', '-n', 'prod']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deployment\.apps\/web\s+2\/2\s+2\s+2\s+\S+/);
    expect(r.stdout).toMatch(/deployment\.apps\/broken\s+0\/1\s+1\s+0\s+\S+/);
    expect(r.stdout).toMatch(/statefulset\.apps\/db\s+1\/1\s+\S+/);
    const y = await kubectl(bin, ['get', 'pod', 'web-5d4c8b-x2k9p', '-n', 'prod', '-o', 'jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.status.phase} {.status.containerStatuses[0].ready}']);
    expect(y.stdout).toBe('ReplicaSet/web-5d4c8b Running true');
  });

  it('auth can-i create pods --subresource=exec: yes for alice, no for mallory', async () => {
    const yes = await kubectl(bin, ['auth', 'can-i', 'create', 'pods', '--subresource=exec', '--as', 'alice', '-n', 'prod']);
    expect([yes.code, yes.stdout.trim()]).toEqual([0, 'yes']);
    const no = await kubectl(bin, ['auth', 'can-i', 'create', 'pods', '--subresource=exec', '--as', 'mallory', '-n', 'prod']);
    expect([no.code, no.stdout.trim()]).toEqual([1, 'no']);
    const staging = await kubectl(bin, ['auth', 'can-i', 'get', 'pods', '--subresource=exec', '--as', 'alice', '-n', 'staging']);
    expect(staging.stdout.trim()).toBe('no');
    // As on a real cluster, `pods/exec` here is TYPE/NAME: "create pods named exec", which alice may not.
    const literal = await kubectl(bin, ['auth', 'can-i', 'create', 'pods/exec', '--as', 'alice', '-n', 'prod']);
    expect(literal.stdout.trim()).toBe('no');
    const list = await kubectl(bin, ['auth', 'can-i', '--list', '--as', 'alice', '-n', 'prod']);
    expect(list.stdout).toMatch(/^pods\/exec\s+\[\]\s+\[\]\s+\[get create\]$/m);
    expect((await kubectl(bin, ['auth', 'can-i', '--list', '--as', 'mallory', '-n', 'prod'])).stdout).not.toMatch(/^pods/m);
  });

  it('a forbidden namespace gives kubectl\'s Forbidden error', async () => {
    const r = await kubectl(bin, ['get', 'pods', '-n', 'staging', '--as', 'alice']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "staging"');
    const s = await kubectl(bin, ['get', 'pod', 'vault-0', '-n', 'secret', '--as', 'alice', '--as-group', 'dev']);
    expect(s.stderr.trim()).toBe('Error from server (Forbidden): pods "vault-0" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "secret"');
  });

  it('logs --tail=5, --previous, and the kubelet\'s errors', async () => {
    let r: Run = { code: 1, stdout: '', stderr: '' };
    const end = Date.now() + 20_000;
    while (Date.now() < end) {
      r = await kubectl(bin, ['logs', 'web-7d9f', '--tail=5']);
      if (r.stdout.split('\n').filter(Boolean).length === 5) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(5);
    for (const l of lines) expect(l).toMatch(/^web-7d9f log line \d+$/);
    const prev = await kubectl(bin, ['logs', 'crashy', '-n', 'prod', '--previous']);
    expect(prev.stdout).toBe('crashy starting (instance 1)\nloading config from /etc/crashy.conf\nfatal: config key "db.url" missing\n');
    const pending = await kubectl(bin, ['logs', 'pending-1', '-n', 'prod']);
    expect(pending.stderr.trim()).toBe('Error from server (BadRequest): container "app" in pod "pending-1" is waiting to start: ContainerCreating');
    const noPrev = await kubectl(bin, ['logs', 'db-0', '-n', 'prod', '--previous']);
    expect(noPrev.stderr.trim()).toBe('Error from server (BadRequest): previous terminated container "db" in pod "db-0" not found');
    const multi = await kubectl(bin, ['logs', 'multi', '-n', 'prod', '--tail=1']);
    expect(multi.stdout).toBe('main working\n');
  });

  it('logs -f streams new lines until kubectl is killed, and the server sees the close', async () => {
    const child = spawn(join(BIN, bin), ['--kubeconfig', adminKc, 'logs', '-f', '--tail=1', 'web-7d9f'], { env: { PATH: process.env.PATH ?? '', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const got = await new Promise<string[]>((resolve, reject) => {
        let buf = '';
        const timer = setTimeout(() => reject(new Error(`no follow output: ${buf}`)), 30_000);
        child.stdout.on('data', (c: Buffer) => {
          buf += c.toString();
          const l = buf.split('\n').filter(Boolean);
          if (l.length >= 3) { clearTimeout(timer); resolve(l); }
        });
        child.on('error', reject);
      });
      const n = got.slice(0, 3).map((l) => Number(/line (\d+)$/.exec(l)?.[1]));
      expect(n[1]).toBe(n[0] + 1);
      expect(n[2]).toBe(n[1] + 1);
    } finally {
      child.kill('SIGKILL');
    }
    const end = Date.now() + 20_000;
    let closed = false;
    while (!closed && Date.now() < end) {
      closed = (await emu.requests()).some((e) => e.path === '/api/v1/namespaces/default/pods/web-7d9f/log' && /follow=true/.test(e.query) && e.closedAt !== undefined && e.status === 200);
      if (!closed) await new Promise((res) => setTimeout(res, 200));
    }
    expect(closed).toBe(true);
  });

  it('reports the server as v1.33', async () => {
    const r = await kubectl(bin, ['version']);
    expect(r.stdout).toMatch(/Server Version: v1\.33\.\d+/);
  });

  // Replica discovery: Leases are read-write (create -f, apply, delete; server-side field
  // validation through the OpenAPI v3 slice), Endpoints and EndpointSlices read from the fixture.
  it('create -f, get, apply and delete a Lease; a stale create is AlreadyExists, an unknown field is refused', async () => {
    const name = `demo-${bin.replace(/\W/g, '')}`;
    const file = join(dir, `${name}.yaml`);
    const lease = (holder: string, extra = ''): void => writeFileSync(file, [
      'apiVersion: coordination.k8s.io/v1', 'kind: Lease',
      `metadata: { name: ${name}, namespace: podgate, labels: { podgate.dev/user: alice } }`,
      `spec: { holderIdentity: "${holder}", leaseDurationSeconds: 30${extra} }`, '',
    ].join('\n'));
    lease('10.0.0.1:7022');
    const c = await kubectl(bin, ['create', '-f', file]);
    expect(c.stderr).toBe('');
    expect(c.stdout.trim()).toBe(`lease.coordination.k8s.io/${name} created`);
    const again = await kubectl(bin, ['create', '-f', file]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`Error from server (AlreadyExists): error when creating "${file}": leases.coordination.k8s.io "${name}" already exists`);
    const g = await kubectl(bin, ['get', 'lease', '-n', 'podgate', '-l', 'podgate.dev/user=alice', '--field-selector', `metadata.name=${name}`]);
    expect(rows(g.stdout)[0]).toEqual(['NAME', 'HOLDER', 'AGE']);
    expect(rows(g.stdout)[1]?.slice(0, 2)).toEqual([name, '10.0.0.1:7022']);
    lease('10.0.0.2:7022');
    const a = await kubectl(bin, ['apply', '-f', file]);
    expect(a.stdout.trim()).toBe(`lease.coordination.k8s.io/${name} configured`);
    const h = await kubectl(bin, ['get', 'lease', name, '-n', 'podgate', '-o', 'jsonpath={.spec.holderIdentity} {.spec.leaseDurationSeconds}']);
    expect(h.stdout).toBe('10.0.0.2:7022 30');
    lease('10.0.0.3:7022', ', bogusField: 1');
    const bad = await kubectl(bin, ['apply', '-f', file]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('strict decoding error: unknown field "spec.bogusField"');
    const d = await kubectl(bin, ['delete', 'lease', name, '-n', 'podgate']);
    expect(d.stdout.trim()).toBe(`lease.coordination.k8s.io "${name}" deleted`);
    const gone = await kubectl(bin, ['get', 'lease', name, '-n', 'podgate']);
    expect(gone.stderr.trim()).toBe(`Error from server (NotFound): leases.coordination.k8s.io "${name}" not found`);
  });

  it('get lease -w --output-watch-events prints ADDED, MODIFIED and DELETED rows with the holder', async () => {
    const name = `watched-${bin.replace(/\W/g, '')}`;
    const child = spawn(join(BIN, bin), ['--kubeconfig', adminKc, 'get', 'lease', '-n', 'podgate', '-w', '--output-watch-events', '--field-selector', `metadata.name=${name}`],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    try {
      const until = async (re: RegExp): Promise<void> => {
        const end = Date.now() + 30_000;
        while (!re.test(out)) {
          if (Date.now() > end) throw new Error(`kubectl watch: no ${re} in:\n${out}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      // The watch is open (after kubectl's list) before anything is written.
      const end = Date.now() + 30_000;
      while (!(await emu.requests()).some((e) => e.path === '/apis/coordination.k8s.io/v1/namespaces/podgate/leases' && /watch=true/.test(e.query) && e.query.includes(name))) {
        if (Date.now() > end) throw new Error('kubectl never opened its watch');
        await new Promise((r) => setTimeout(r, 100));
      }
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, `apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: { name: ${name}, namespace: podgate }\nspec: { holderIdentity: h1, leaseDurationSeconds: 30 }\n`);
      expect((await kubectl(bin, ['create', '-f', file])).code).toBe(0);
      await until(new RegExp(`ADDED\\s+${name}\\s+h1`));
      expect((await kubectl(bin, ['patch', 'lease', name, '-n', 'podgate', '--type', 'merge', '-p', '{"spec":{"holderIdentity":"h2"}}'])).code).toBe(0);
      await until(new RegExp(`MODIFIED\\s+${name}\\s+h2`));
      expect((await kubectl(bin, ['delete', 'lease', name, '-n', 'podgate'])).code).toBe(0);
      await until(new RegExp(`DELETED\\s+${name}\\s+h2`));
      expect(rows(out)[0]).toEqual(['EVENT', 'NAME', 'HOLDER', 'AGE']);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('get endpoints and endpointslices print the addresses, with the 1.33 deprecation warning for Endpoints', async () => {
    const e = await kubectl(bin, ['get', 'endpoints', '-n', 'podgate']);
    expect(rows(e.stdout)).toEqual([['NAME', 'ENDPOINTS', 'AGE'], ['podgate-replicas', '10.244.9.2:7022,10.244.9.3:7022', expect.stringMatching(/^\d+[smh]$/)]]);
    expect(e.stderr).toContain('Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice');
    const s = await kubectl(bin, ['get', 'endpointslices', '-n', 'podgate', '-l', 'kubernetes.io/service-name=podgate-replicas']);
    expect(rows(s.stdout)[1]?.slice(0, 4)).toEqual(['podgate-replicas-x7k2p', 'IPv4', '7022', '10.244.9.2,10.244.9.3']);
  });
});
