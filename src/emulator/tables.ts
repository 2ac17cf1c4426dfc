/**
 * meta.k8s.io/v1 Table responses with the columns the apiserver's printers
 * (pkg/printers/internalversion) produce, so `kubectl get` prints what it prints on a real
 * cluster.
 */
import type { KubeObject } from './types.ts';
import { ageOf } from './age.ts';

interface Column { name: string; type: string; format: string; description: string; priority: number }
type Cell = string | number;

const col = (name: string, priority = 0, type = 'string', format = ''): Column => ({ name, type, format, description: `${name} column`, priority });
const NAME: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 };

interface PodStatus {
  phase?: string;
  reason?: string;
  podIP?: string;
  containerStatuses?: { ready?: boolean; restartCount?: number; state?: { waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number } }; lastState?: { terminated?: { finishedAt?: string } } }[];
}

function podRow(p: KubeObject, now: number): Cell[] {
  const st = (p.status ?? {}) as PodStatus;
  const cs = st.containerStatuses ?? [];
  let reason = st.reason ?? st.phase ?? 'Unknown';
  let restarts = 0;
  let lastRestart: number | undefined;
  for (const c of cs) {
    restarts += c.restartCount ?? 0;
    const fin = c.lastState?.terminated?.finishedAt;
    if (fin && (lastRestart === undefined || Date.parse(fin) > lastRestart)) lastRestart = Date.parse(fin);
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
  }
  const ready = cs.filter((c) => c.ready).length;
  const spec = (p.spec ?? {}) as { nodeName?: string; containers?: unknown[] };
  const restartsStr = lastRestart === undefined ? String(restarts) : `${restarts} (${ageOf(new Date(lastRestart).toISOString(), now)} ago)`;
  return [p.metadata.name, `${ready}/${spec.containers?.length ?? cs.length}`, reason, restartsStr, ageOf(p.metadata.creationTimestamp, now),
    st.podIP ?? '<none>', spec.nodeName ?? '<none>', '<none>', '<none>'];
}

type N = number | undefined;
const n = (v: N): number => v ?? 0;

function containersOf(o: KubeObject): { names: string; images: string } {
  const cs = ((o.spec as { template?: { spec?: { containers?: { name: string; image?: string }[] } } }).template?.spec?.containers) ?? [];
  return { names: cs.map((c) => c.name).join(','), images: cs.map((c) => c.image ?? '').join(',') };
}
function selectorOf(o: KubeObject): string {
  const m = (o.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels ?? {};
  const s = Object.entries(m).map(([k, v]) => `${k}=${v}`).join(',');
  return s === '' ? '<none>' : s;
}

interface Printer { columns: Column[]; row: (o: KubeObject, now: number) => Cell[] }

/** The printers' list shortening: the first three, then " + N more...". */
function firstThree(items: string[], none: string): string {
  if (items.length === 0) return none;
  return items.length > 3 ? `${items.slice(0, 3).join(',')} + ${items.length - 3} more...` : items.join(',');
}
interface EndpointSubset { addresses?: { ip: string }[]; ports?: { port: number }[] }
function endpointsCell(o: KubeObject): string {
  const out: string[] = [];
  for (const ss of (o.subsets ?? []) as EndpointSubset[]) {
    const ports = ss.ports?.length ? ss.ports : [undefined];
    for (const a of ss.addresses ?? []) for (const p of ports) out.push(p ? `${a.ip}:${p.port}` : a.ip);
  }
  return firstThree(out, '<none>');
}

const PRINTERS: Record<string, Printer> = {
  Pod: { columns: [NAME, col('Ready'), col('Status'), col('Restarts'), col('Age'), col('IP', 1), col('Node', 1), col('Nominated Node', 1), col('Readiness Gates', 1)], row: podRow },
  Namespace: {
    columns: [NAME, col('Status'), col('Age')],
    row: (o, now) => [o.metadata.name, ((o.status as { phase?: string } | undefined)?.phase) ?? 'Active', ageOf(o.metadata.creationTimestamp, now)],
  },
  Deployment: {
    columns: [NAME, col('Ready'), col('Up-to-date', 0, 'integer'), col('Available', 0, 'integer'), col('Age'), col('Containers', 1), col('Images', 1), col('Selector', 1)],
    row: (o, now) => {
      const s = (o.status ?? {}) as { readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
      const c = containersOf(o);
      return [o.metadata.name, `${n(s.readyReplicas)}/${n((o.spec as { replicas?: number }).replicas)}`, n(s.updatedReplicas), n(s.availableReplicas), ageOf(o.metadata.creationTimestamp, now), c.names, c.images, selectorOf(o)];
    },
  },
  ReplicaSet: {
    columns: [NAME, col('Desired', 0, 'integer'), col('Current', 0, 'integer'), col('Ready', 0, 'integer'), col('Age'), col('Containers', 1), col('Images', 1), col('Selector', 1)],
    row: (o, now) => {
      const s = (o.status ?? {}) as { replicas?: number; readyReplicas?: number };
      const c = containersOf(o);
      return [o.metadata.name, n((o.spec as { replicas?: number }).replicas), n(s.replicas), n(s.readyReplicas), ageOf(o.metadata.creationTimestamp, now), c.names, c.images, selectorOf(o)];
    },
  },
  StatefulSet: {
    columns: [NAME, col('Ready'), col('Age'), col('Containers', 1), col('Images', 1)],
    row: (o, now) => {
      const s = (o.status ?? {}) as { readyReplicas?: number };
      const c = containersOf(o);
      return [o.metadata.name, `${n(s.readyReplicas)}/${n((o.spec as { replicas?: number }).replicas)}`, ageOf(o.metadata.creationTimestamp, now), c.names, c.images];
    },
  },
  DaemonSet: {
    columns: [NAME, col('Desired', 0, 'integer'), col('Current', 0, 'integer'), col('Ready', 0, 'integer'), col('Up-to-date', 0, 'integer'), col('Available', 0, 'integer'), col('Node Selector'), col('Age'), col('Containers', 1), col('Images', 1), col('Selector', 1)],
    row: (o, now) => {
      const s = (o.status ?? {}) as { desiredNumberScheduled?: number; currentNumberScheduled?: number; numberReady?: number; updatedNumberScheduled?: number; numberAvailable?: number };
      const ns = (o.spec as { template?: { spec?: { nodeSelector?: Record<string, string> } } }).template?.spec?.nodeSelector ?? {};
      const nsStr = Object.entries(ns).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';
      const c = containersOf(o);
      return [o.metadata.name, n(s.desiredNumberScheduled), n(s.currentNumberScheduled), n(s.numberReady), n(s.updatedNumberScheduled), n(s.numberAvailable), nsStr, ageOf(o.metadata.creationTimestamp, now), c.names, c.images, selectorOf(o)];
    },
  },
  Job: {
    columns: [NAME, col('Status'), col('Completions'), col('Duration'), col('Age'), col('Containers', 1), col('Images', 1), col('Selector', 1)],
    row: (o, now) => {
      const s = (o.status ?? {}) as { succeeded?: number; conditions?: { type: string; status: string }[]; startTime?: string; completionTime?: string };
      const complete = (s.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True');
      const dur = s.startTime ? ageOf(s.startTime, s.completionTime ? Date.parse(s.completionTime) : now) : '';
      const c = containersOf(o);
      return [o.metadata.name, complete ? 'Complete' : 'Running', `${n(s.succeeded)}/${n((o.spec as { completions?: number }).completions)}`, dur, ageOf(o.metadata.creationTimestamp, now), c.names, c.images, selectorOf(o)];
    },
  },
  // Replica discovery (leases, endpoints).
  Lease: {
    columns: [NAME, { name: 'Holder', type: 'string', format: '', description: 'holderIdentity contains the identity of the holder of a current lease.', priority: 0 }, col('Age')],
    row: (o, now) => [o.metadata.name, ((o.spec as { holderIdentity?: string } | undefined)?.holderIdentity) ?? '', ageOf(o.metadata.creationTimestamp, now)],
  },
  Endpoints: {
    columns: [NAME, col('Endpoints'), col('Age')],
    row: (o, now) => [o.metadata.name, endpointsCell(o), ageOf(o.metadata.creationTimestamp, now)],
  },
  EndpointSlice: {
    columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), col('Age')],
    row: (o, now) => {
      const ports = ((o.ports ?? []) as { port?: number }[]).map((p) => String(p.port ?? ''));
      const addrs = ((o.endpoints ?? []) as { addresses?: string[] }[]).flatMap((e) => e.addresses ?? []);
      return [o.metadata.name, typeof o.addressType === 'string' ? o.addressType : '', ports.length === 0 ? '<unset>' : ports.join(','), firstThree(addrs, '<unset>'), ageOf(o.metadata.creationTimestamp, now)];
    },
  },
};

const DEFAULT_PRINTER: Printer = { columns: [NAME, col('Created At', 0, 'date')], row: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''] };

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((a) => a.includes('as=Table') && a.includes('g=meta.k8s.io'));
}

export function toTable(kind: string, apiVersion: string, objects: KubeObject[], resourceVersion: string, includeObject: string | null): Record<string, unknown> {
  const p = PRINTERS[kind] ?? DEFAULT_PRINTER;
  const now = Date.now();
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion },
    columnDefinitions: p.columns,
    rows: objects.map((o) => {
      const row: Record<string, unknown> = { cells: p.row(o, now) };
      if (includeObject === 'Object') row.object = { ...o, apiVersion, kind };
      else if (includeObject !== 'None') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
      return row;
    }),
  };
}
