/**
 * The Helm chart, checked without helm (which does not run here): values.schema.json accepts
 * the defaults and the example and rejects bad values; every template parses as YAML once its
 * actions are placeholders; the static structure (probes, ports, mounts, Services) is what
 * podgate and its image expect; the config the chart renders is one podgate's loader accepts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configSchema } from '../src/config/schema.ts';
import { parseConfig } from '../src/config/load.ts';
import { readHostKeys } from '../src/cli/host-keys.ts';
import { CHART, PLACEHOLDER, allDocs, parseTemplate, readTemplate, templateFiles } from './deploy-chart-text.ts';

type Values = Record<string, unknown>;

const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Record<string, unknown>;
const defaults = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Values;
const example = parseYaml(readFileSync(join(CHART, 'ci', 'example-values.yaml'), 'utf8')) as Values;
// strictRequired off: `anyOf: [{required: [users]}, {required: [groups]}]` names parent properties.
const validate: ValidateFunction = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(schema);

function isMap(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How helm merges user values over the chart's: maps deeply, everything else replaced. */
function coalesce(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isMap(base) && isMap(over)) {
    const out: Values = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = coalesce(base[k], v);
    return out;
  }
  return over;
}

function withValues(over: Values): Values {
  return coalesce(structuredClone(defaults), over) as Values;
}

function errorsFor(values: Values): string[] {
  return validate(values) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

describe('values.schema.json', () => {
  it('accepts the defaults and the example install', () => {
    expect(errorsFor(defaults)).toEqual([]);
    expect(errorsFor(withValues(example))).toEqual([]);
  });

  const bad: [string, Values, RegExp][] = [
    ['an unknown Service type', { service: { type: 'Ingress' } }, /^\/service\/type /],
    ['an unknown externalTrafficPolicy', { service: { externalTrafficPolicy: 'Sometimes' } }, /^\/service\/externalTrafficPolicy /],
    ['zero replicas', { replicaCount: 0 }, /^\/replicaCount /],
    ['replicas as a string', { replicaCount: '2' }, /^\/replicaCount /],
    ['a misspelt top-level key', { replicas: 2 }, /must NOT have additional properties/],
    ['impersonating system:masters through a user mapping', { config: { users: [{ name: 'eve', publicKeys: [], kubernetes: { groups: ['system:masters'] } }] } }, /^\/config\/users\/0\/kubernetes\/groups\/0 /],
    ['impersonating a service account', { config: { users: [{ name: 'eve', publicKeys: [], kubernetes: { user: 'system:serviceaccount:kube-system:default' } }] } }, /^\/config\/users\/0\/kubernetes\/user /],
    ['system:masters as an extra group', { rbac: { impersonate: { extraGroups: ['system:masters'] } } }, /^\/rbac\/impersonate\/extraGroups\/0 /],
    ['a user name with +', { config: { users: [{ name: 'alice+web', publicKeys: [] }] } }, /^\/config\/users\/0\/name /],
    ['a public key that is not an authorized_keys line', { config: { users: [{ name: 'alice', publicKeys: ['AAAAC3Nza alice'] }] } }, /^\/config\/users\/0\/publicKeys\/0 /],
    ['a kubeconfig in the config (the chart runs in-cluster)', { config: { kubernetes: { kubeconfig: '/root/.kube/config' } } }, /^\/config\/kubernetes /],
    ['listen in the config (the chart owns it)', { config: { listen: '0.0.0.0:22' } }, /^\/config /],
    ['privilege escalation', { securityContext: { allowPrivilegeEscalation: true } }, /^\/securityContext\/allowPrivilegeEscalation /],
    ['a writable root filesystem', { securityContext: { readOnlyRootFilesystem: false } }, /^\/securityContext\/readOnlyRootFilesystem /],
    ['an added capability', { securityContext: { capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } } }, /^\/securityContext\/capabilities\/add /],
    ['running as root allowed', { podSecurityContext: { runAsNonRoot: false } }, /^\/podSecurityContext\/runAsNonRoot /],
    ['no host keys at all', { hostKeys: { existingSecret: '', generate: false } }, /^\/hostKeys\/generate /],
    ['a journal volume shared by several replicas', { replicaCount: 2, state: { persistence: { enabled: true } } }, /^\/replicaCount /],
    ['a ServiceMonitor without the metrics Service', { metrics: { service: { enabled: false }, serviceMonitor: { enabled: true } } }, /^\/metrics\/service\/enabled /],
    ['a port out of range', { ports: { ssh: 70000 } }, /^\/ports\/ssh /],
  ];
  for (const [what, over, where] of bad) {
    it(`rejects ${what}`, () => {
      const errors = errorsFor(withValues(over));
      expect(errors.length, what).toBeGreaterThan(0);
      expect(errors.some((e) => where.test(e)), errors.join('\n')).toBe(true);
    });
  }

  it("its config section allows only keys podgate's own config schema knows, minus those the chart owns", () => {
    type Obj = { properties?: Record<string, Obj>; items?: Obj; $ref?: string };
    const defs = (schema as { definitions: Record<string, Obj> }).definitions;
    const deref = (s: Obj): Obj => (s.$ref ? (defs[s.$ref.replace('#/definitions/', '')] ?? {}) : s);
    const compare = (chart: Obj, podgate: Obj, path: string): void => {
      const c = deref(chart);
      for (const [k, sub] of Object.entries(c.properties ?? {})) {
        const p = podgate.properties?.[k];
        expect(p, `${path}.${k} is not a podgate config key`).toBeDefined();
        if (p) compare(sub, p, `${path}.${k}`);
      }
      if (c.items && podgate.items) compare(c.items, podgate.items, `${path}[]`);
    };
    const chartConfig = (schema as { properties: { config: Obj } }).properties.config;
    compare(chartConfig, configSchema as unknown as Obj, 'config');
    for (const owned of ['listen', 'hostKeys', 'metrics', 'stateDir']) expect(chartConfig.properties).not.toHaveProperty(owned);
    expect(chartConfig.properties?.kubernetes?.properties).not.toHaveProperty('kubeconfig');
    // Every limit podgate has can be set from values.
    const limits = Object.keys(configSchema.properties.limits.properties).sort();
    expect(Object.keys(chartConfig.properties?.limits?.properties ?? {}).sort()).toEqual(limits);
  });

  it("the example's config, with the keys the chart sets, passes podgate's own config loader", () => {
    const values = withValues(example) as { config: Record<string, unknown>; ports: { ssh: number; metrics: number }; hostKeys: { files: string[] } };
    const config: Record<string, unknown> = {
      ...values.config,
      listen: `0.0.0.0:${values.ports.ssh}`,
      hostKeys: values.hostKeys.files.map((f) => `/etc/podgate/host-keys/${f}`),
      metrics: { listen: `0.0.0.0:${values.ports.metrics}` },
      stateDir: '/var/lib/podgate',
    };
    if (!config.banner) delete config.banner;
    const result = parseConfig(JSON.stringify(config), '/etc/podgate/config.yaml');
    expect('issues' in result ? result.issues : []).toEqual([]);
    const loaded = 'config' in result ? result.config : null;
    expect(loaded?.users.map((u) => [u.name, u.kubernetes.user, u.kubernetes.groups])).toEqual([
      ['alice', 'alice@corp', ['dev']],
      ['bob', 'bob', ['ops']],
    ]);
    expect(loaded?.limits.shutdownGraceSeconds).toBe(60);
  });
});

describe('templates', () => {
  it('every template parses as YAML once its actions are placeholders, one Kubernetes object per document', () => {
    const files = templateFiles();
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const f of files) {
      const parsed = parseTemplate(f);
      expect(parsed.errors).toEqual([]);
      expect(parsed.docs.length, f).toBeGreaterThan(0);
      for (const d of parsed.docs) {
        expect(typeof d.apiVersion, f).toBe('string');
        expect(typeof d.kind, f).toBe('string');
        expect((d.metadata as { name?: unknown }).name, f).toEqual(expect.stringContaining(PLACEHOLDER));
        const clusterScoped = ['ClusterRole', 'ClusterRoleBinding'].includes(String(d.kind));
        expect((d.metadata as { namespace?: unknown }).namespace !== undefined, `${f} ${String(d.kind)} namespace`).toBe(!clusterScoped);
      }
    }
  });

  it('template actions are balanced, every include is defined, every .Values path exists in values.yaml', () => {
    const dir = join(CHART, 'templates');
    const all = [...templateFiles(), 'NOTES.txt', '_helpers.tpl'];
    const helpers = readFileSync(join(dir, '_helpers.tpl'), 'utf8');
    const defined = new Set([...helpers.matchAll(/\{\{-? define "([^"]+)" -?\}\}/g)].map((m) => m[1]));
    for (const f of all) {
      const text = readFileSync(join(dir, f), 'utf8');
      let depth = 0;
      for (const m of text.matchAll(/\{\{-?\s*(\/\*[\s\S]*?\*\/|[\s\S]*?)\s*-?\}\}/g)) {
        const action = (m[1] ?? '').trim();
        if (/^(if|range|with|define|block)\b/.test(action)) depth++;
        if (/^end\b/.test(action)) depth--;
        expect(depth, `${f}: an {{ end }} without an opener`).toBeGreaterThanOrEqual(0);
      }
      expect(depth, `${f}: an if/range/with/define without {{ end }}`).toBe(0);
      for (const m of text.matchAll(/include "([^"]+)"/g)) expect(defined, `${f}: include "${m[1]}"`).toContain(m[1]);
      for (const m of text.matchAll(/\.Values((?:\.[A-Za-z0-9_]+)+)/g)) {
        let node: unknown = defaults;
        for (const key of (m[1] ?? '').slice(1).split('.')) {
          expect(isMap(node) && key in node, `${f}: .Values${m[1]} is not in values.yaml`).toBe(true);
          node = (node as Values)[key];
        }
      }
    }
  });

  it('has the objects the chart promises', () => {
    const kinds = allDocs().map((d) => String(d.kind)).sort();
    for (const k of ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'RoleBinding', 'Secret', 'NetworkPolicy', 'ServiceMonitor', 'PersistentVolumeClaim']) {
      expect(kinds).toContain(k);
    }
    const notes = readFileSync(join(CHART, 'templates', 'NOTES.txt'), 'utf8');
    expect(notes).toContain('ssh -p "$PORT"');
    expect(notes).toContain('ssh-keyscan');
    expect(notes).toContain('kubectl -n {{ .Release.Namespace }} port-forward svc/');
  });

  it('the Deployment probes /healthz and /readyz on the metrics port, mounts what the image expects, and keeps the restricted context', () => {
    const dep = parseTemplate('deployment.yaml').docs[0] as { spec: { template: { spec: Record<string, unknown> } } };
    const pod = dep.spec.template.spec;
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(true);
    const [c] = pod.containers as Record<string, unknown>[];
    expect((c?.livenessProbe as { httpGet: unknown }).httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect((c?.readinessProbe as { httpGet: unknown }).httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    // The browser terminal's port only with web.enabled.
    expect((c?.ports as { name: string }[]).map((p) => p.name)).toEqual(['ssh', 'metrics', 'web', 'relay']);
    expect(readTemplate('deployment.yaml')).toMatch(/\{\{- if \.Values\.web\.enabled \}\}\s*- name: web\n/);
    const mounts = Object.fromEntries((c?.volumeMounts as { name: string; mountPath: string; readOnly?: boolean }[]).map((m) => [m.name, m]));
    // A directory mount (no subPath): ConfigMap updates reach the pod and podgate reloads them.
    expect(mounts.config).toMatchObject({ mountPath: '/etc/podgate/config', readOnly: true });
    expect(mounts.config).not.toHaveProperty('subPath');
    expect(mounts['host-keys']).toMatchObject({ mountPath: '/etc/podgate/host-keys', readOnly: true });
    expect(mounts.state?.mountPath).toBe('/var/lib/podgate');
    expect(mounts.tmp?.mountPath).toBe('/tmp');
    const volumes = Object.fromEntries((pod.volumes as { name: string }[]).map((v) => [v.name, v]));
    expect(volumes['host-keys']).toMatchObject({ secret: { defaultMode: 0o440 } });
    // The restricted contexts come from values (toYaml), which the schema keeps restricted.
    const text = readTemplate('deployment.yaml');
    expect(text).toMatch(/\n {6}securityContext:\n {8}\{\{- toYaml \.Values\.podSecurityContext \| nindent 8 \}\}/);
    expect(text).toMatch(/\n {10}securityContext:\n {12}\{\{- toYaml \.Values\.securityContext \| nindent 12 \}\}/);
    expect(defaults.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expect(defaults.podSecurityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    // Only restart-only settings roll the pods; user changes are reloaded in place.
    expect(text).toContain('checksum/restart-config: {{ include "podgate.restartConfig" . | sha256sum }}');
    expect(text).not.toContain('configmap.yaml") . | sha256sum');
  });

  it('terminationGracePeriodSeconds covers the drain, the reap and a margin', () => {
    expect(readTemplate('deployment.yaml')).toContain('terminationGracePeriodSeconds: {{ include "podgate.terminationGracePeriod" . }}');
    const helpers = readFileSync(join(CHART, 'templates', '_helpers.tpl'), 'utf8');
    const body = helpers.split('{{- define "').find((c) => c.startsWith('podgate.terminationGracePeriod"')) ?? '';
    for (const term of ['$l.shutdownGraceSeconds', '$l.reapGraceSeconds', '.Values.terminationGraceMarginSeconds', '.Values.preStopSleepSeconds']) expect(body).toContain(term);
    expect(body).toMatch(/\{\{- add /);
  });

  it('the SSH Service exposes SSH (and the browser terminal when enabled) only; metrics get their own ClusterIP Service', () => {
    const svc = parseTemplate('service.yaml').docs[0] as { spec: { ports: { name: string; targetPort: string }[] } };
    expect(svc.spec.ports.map((p) => [p.name, p.targetPort])).toEqual([['ssh', 'ssh'], ['web', 'web']]);
    expect(readTemplate('service.yaml')).toMatch(/\{\{- if \.Values\.web\.enabled \}\}\n\s*# The browser terminal[^\n]*\n\s*- name: web\n/);
    const text = readTemplate('service.yaml');
    expect(text).toContain('type: {{ .Values.service.type }}');
    expect(text).toMatch(/\{\{- if ne \.Values\.service\.type "ClusterIP" \}\}[^{]*\n\s*externalTrafficPolicy: \{\{ \.Values\.service\.externalTrafficPolicy \}\}/);
    const metrics = parseTemplate('service-metrics.yaml').docs[0] as { spec: { type: string; ports: { name: string }[] } };
    expect(metrics.spec.type).toBe('ClusterIP');
    expect(metrics.spec.ports.map((p) => p.name)).toEqual(['metrics']);
  });

  it('the PodDisruptionBudget is only rendered with more than one replica', () => {
    expect(readTemplate('pdb.yaml').split('\n')[0]).toBe('{{- if and .Values.podDisruptionBudget.enabled (gt (int .Values.replicaCount) 1) }}');
  });

  it('Chart.yaml is a v2 application chart at the package version', () => {
    const chart = parseYaml(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, string>;
    const pkg = JSON.parse(readFileSync(join(CHART, '..', 'package.json'), 'utf8')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'podgate', type: 'application', appVersion: pkg.version });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('generated host keys', () => {
  it("helm's genPrivateKey formats load in podgate (ECDSA SEC1, RSA PKCS#1); its ed25519 (PKCS#8) would not", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podgate-deploy-keys-'));
    tmp.push(dir);
    // The PEM encodings sprig's genPrivateKey writes (x509.MarshalECPrivateKey, MarshalPKCS1PrivateKey, MarshalPKCS8PrivateKey).
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: { type: 'sec1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
    const ed = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
    expect(ec).toContain('BEGIN EC PRIVATE KEY');
    expect(rsa).toContain('BEGIN RSA PRIVATE KEY');
    writeFileSync(join(dir, 'ssh_host_ecdsa_key'), ec, { mode: 0o600 });
    writeFileSync(join(dir, 'ssh_host_rsa_key'), rsa, { mode: 0o600 });
    writeFileSync(join(dir, 'ed25519_pkcs8'), ed, { mode: 0o600 });
    await expect(readHostKeys([join(dir, 'ssh_host_ecdsa_key'), join(dir, 'ssh_host_rsa_key')])).resolves.toHaveLength(2);
    await expect(readHostKeys([join(dir, 'ed25519_pkcs8')])).rejects.toThrow(/not a usable OpenSSH private key/);
    const secret = readTemplate('secret-host-keys.yaml');
    expect(secret).toContain('genPrivateKey "ecdsa"');
    expect(secret).toContain('genPrivateKey "rsa"');
    expect(secret).toContain('lookup "v1" "Secret" .Release.Namespace $name');
    const helpers = readFileSync(join(CHART, 'templates', '_helpers.tpl'), 'utf8');
    expect(helpers).toContain('list "ssh_host_ecdsa_key" "ssh_host_rsa_key"');
  });
});

describe('docs/deploy.md', () => {
  const doc = readFileSync(join(CHART, '..', 'docs', 'deploy.md'), 'utf8');

  it('shows helm install, adding a user, connecting, and says plainly what was not run here', () => {
    expect(doc).toMatch(/^helm install podgate \.\/chart /m);
    expect(doc).toContain('## 5. Add a user');
    expect(doc).toMatch(/^ssh -t carol\+web\.prod@"\$BASTION"/m);
    expect(doc).toContain('**What ran here.**');
    expect(doc).toContain('the image has **never been built**');
    expect(doc).toContain('## 8. What was and was not verified');
    for (const tool of ['docker build', 'helm lint', 'helm install']) expect(doc).toContain(tool);
  });

  it('its "add a user" values are values the schema accepts', () => {
    const block = /## 5\. Add a user[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const snippet = parseYaml(block.replace(/^ {3}/gm, '')) as Values;
    expect(snippet).toHaveProperty(['config', 'users', 0, 'name'], 'carol');
    expect(errorsFor(withValues(snippet))).toEqual([]);
  });
});

describe('chart operations (reload, metrics exposure, names, labels)', () => {
  const CA = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ca';

  it('accepts userCAs as podgate does: bare or with the cert-authority prefix; and log/health keys', () => {
    expect(errorsFor(withValues({ config: { userCAs: [CA, `cert-authority ${CA}`] } }))).toEqual([]);
    expect(errorsFor(withValues({ config: { userCAs: ['cert-authority'] } }))).not.toEqual([]);
    expect(errorsFor(withValues({ config: { log: { level: 'warn', format: 'text' }, health: { apiProbeIntervalSeconds: 5 } } }))).toEqual([]);
    expect(errorsFor(withValues({ config: { log: { level: 'loud' } } }))).not.toEqual([]);
  });

  it('names access RoleBindings by namespace, so reordering the list renames nothing', () => {
    const text = readTemplate('rbac-access.yaml');
    expect(text).toContain('name: {{ include "podgate.fullname" $ }}-access-{{ $b.namespace }}');
    expect(text).not.toMatch(/access-\{\{ \$i \}\}/);
  });

  it('puts the standard labels on the pod template', () => {
    expect(readTemplate('deployment.yaml')).toMatch(/ {6}labels:\n {8}\{\{- include "podgate\.labels" \. \| nindent 8 \}\}/);
  });

  it('keeps the metrics port to Prometheus by default: a NetworkPolicy for it, SSH left open', () => {
    expect(defaults.metrics).toMatchObject({ networkPolicy: { enabled: true } });
    const doc = parseTemplate('networkpolicy-metrics.yaml').docs[0] as { kind: string; spec: { ingress: { ports: { port: string }[]; from?: unknown[] }[] } };
    expect(doc.kind).toBe('NetworkPolicy');
    expect(doc.spec.ingress.map((r) => r.ports[0]?.port)).toEqual(['ssh', 'metrics']);
    expect(doc.spec.ingress[0]?.ports.map((p) => p.port)).toEqual(['ssh', 'web']);
    expect(doc.spec.ingress[0]?.from).toBeUndefined();
    expect(readTemplate('networkpolicy-metrics.yaml')).toContain('{{- if and .Values.metrics.networkPolicy.enabled (not .Values.networkPolicy.enabled) }}');
  });
});
