import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { PodgateError } from '../errors/index.ts';
import type { Identity, WorkloadKind } from '../kube/types.ts';
import { parseTarget } from './grammar.ts';
import { resolveTarget, type ResolveOptions } from './resolve.ts';

function pod(name: string, ns: string, o: { labels?: Record<string, string>; phase?: string; ready?: boolean; containers?: string[]; annotation?: string; waiting?: string } = {}): V1Pod {
  const containers = o.containers ?? ['app'];
  return {
    metadata: { name, namespace: ns, labels: o.labels ?? {}, annotations: o.annotation ? { 'kubectl.kubernetes.io/default-container': o.annotation } : {} },
    spec: { containers: containers.map((c) => ({ name: c })) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
      containerStatuses: containers.map((c) => ({ name: c, image: 'x', imageID: '', ready: true, restartCount: 0, state: o.waiting ? { waiting: { reason: o.waiting } } : { running: {} } })),
    },
  };
}

const pods: V1Pod[] = [
  pod('web-7d9f', 'default'),
  pod('web-a', 'prod', { labels: { app: 'web' } }),
  pod('web-b', 'prod', { labels: { app: 'web' } }),
  pod('db-0', 'prod', { labels: { app: 'db' } }),
  pod('multi', 'prod', { containers: ['sidecar', 'main'], annotation: 'main' }),
  pod('pending-1', 'prod', { phase: 'Pending', waiting: 'ContainerCreating' }),
  pod('broken-1', 'prod', { labels: { app: 'broken' }, ready: false }),
];
const workloads: Record<string, string> = { 'deployment/prod/web': 'app=web', 'statefulset/prod/db': 'app=db', 'deployment/prod/broken': 'app=broken' };
const alice: Identity = { user: 'alice', groups: ['dev'] };

const kube: ResolveOptions['kube'] = {
  async getPod(ns, name) {
    if (ns === 'staging') throw new PodgateError('FORBIDDEN');
    return pods.find((p) => p.metadata?.namespace === ns && p.metadata?.name === name) ?? null;
  },
  async listPods(ns, _id, o) {
    const [k, v] = (o?.labelSelector ?? '').split('=');
    return pods.filter((p) => p.metadata?.namespace === ns && p.metadata?.labels?.[k] === v);
  },
  async getWorkloadSelector(kind: WorkloadKind, ns, name) {
    return workloads[`${kind}/${ns}/${name}`] ?? null;
  },
};

const opts = (o: Partial<ResolveOptions> = {}): ResolveOptions => ({ kube, identity: alice, defaultNamespace: 'default', ...o });
async function fails(raw: string, o: Partial<ResolveOptions> = {}): Promise<PodgateError> {
  const err = await resolveTarget(parseTarget(raw), opts(o)).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(PodgateError);
  return err as PodgateError;
}

describe('resolveTarget', () => {
  it('a pod by name in the default namespace, its first container', async () => {
    expect(await resolveTarget(parseTarget('web-7d9f'), opts())).toMatchObject({ namespace: 'default', pod: 'web-7d9f', container: 'app' });
  });
  it('the default-container annotation, and an explicit container', async () => {
    expect((await resolveTarget(parseTarget('multi.prod'), opts())).container).toBe('main');
    expect((await resolveTarget(parseTarget('multi.prod+sidecar'), opts())).container).toBe('sidecar');
  });
  it('a bare workload name falls back to a Ready pod of the Deployment, then StatefulSet', async () => {
    expect(await resolveTarget(parseTarget('web.prod'), opts())).toMatchObject({ pod: 'web-a', workload: { kind: 'deployment', name: 'web' } });
    expect(await resolveTarget(parseTarget('db.prod'), opts())).toMatchObject({ pod: 'db-0', workload: { kind: 'statefulset' } });
    expect(await resolveTarget(parseTarget('sts~db.prod'), opts())).toMatchObject({ pod: 'db-0' });
  });
  it('KIND~NAME only looks at that kind', async () => {
    expect((await fails('deploy~db.prod')).code).toBe('POD_NOT_FOUND');
    expect((await fails('pod~web.prod')).code).toBe('POD_NOT_FOUND');
  });
  it('reports every failure with its code', async () => {
    expect((await fails('nope.prod')).userMessage).toBe('pod or workload "nope" not found in namespace "prod"');
    expect((await fails('multi.prod+nope')).code).toBe('CONTAINER_NOT_FOUND');
    expect((await fails('pending-1.prod')).code).toBe('POD_NOT_RUNNING');
    expect((await fails('broken.prod')).code).toBe('NO_READY_POD');
    expect((await fails('api-0.staging')).userMessage).toBe('alice may not get pods in namespace "staging"');
  });
  it('a pod filter narrows pods by name and the pods of a workload', async () => {
    const podFilter = (l: Record<string, string> | undefined): boolean => l?.['app'] === 'web';
    expect((await fails('db-0.prod', { podFilter })).code).toBe('POLICY_DENIED');
    expect((await fails('db.prod', { podFilter })).code).toBe('NO_READY_POD');
    expect((await resolveTarget(parseTarget('web.prod'), opts({ podFilter }))).pod).toBe('web-a');
  });
});
