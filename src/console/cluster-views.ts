/**
 * `pods`, `whoami` and the summary over every cluster the user may reach (docs/clusters.md).
 * With one cluster the output is exactly what it was before clusters existed; with several, a
 * CLUSTER column is added and each cluster that failed is named on stderr, after what could be
 * listed.
 */
import { PodgateError } from '../errors/index.ts';
import { dns1123LabelError } from '../target/k8s-names.ts';
import type { UserContext } from '../session/extensions.ts';
import { acrossClusters, type AcrossClusters } from './across-clusters.ts';
import { allowedPods, type PodRow } from './pods.ts';
import { formatTable } from './table.ts';
import { formatWhoAmI, namespaceList, whoami, whoamiHead, type WhoAmI } from './whoami.ts';

export interface Listing<T> {
  value: T;
  multi: boolean;
  failed: AcrossClusters<unknown>['failed'];
}

/** `pods [ARG]`: ARG is NS, CLUSTER_NS or CLUSTER_ (every namespace of that cluster). */
export async function podsEverywhere(ctx: UserContext, arg: string | undefined, reviewed?: Map<string, string[]>): Promise<Listing<PodRow[]>> {
  let cluster: string | undefined;
  let namespace = arg;
  // CLUSTER_ only when it is a valid cluster name: other text keeps the namespace error it had.
  if (arg !== undefined && arg.includes('_') && dns1123LabelError(arg.slice(0, arg.indexOf('_'))) === null) {
    cluster = arg.slice(0, arg.indexOf('_'));
    namespace = arg.slice(cluster.length + 1) || undefined;
    if (namespace?.includes('_')) throw new PodgateError('UNSUPPORTED', 'usage: pods [[CLUSTER_]NAMESPACE | CLUSTER_]');
  }
  const r = await acrossClusters(ctx, cluster, (c) => allowedPods(c, namespace, namespace === undefined ? reviewed?.get(c.cluster) : undefined));
  const rows = r.ok.flatMap((o) => o.value).sort((a, b) => a.cluster.localeCompare(b.cluster) || a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
  return { value: rows, multi: r.multi, failed: r.failed };
}

export async function whoamiEverywhere(ctx: UserContext): Promise<Listing<WhoAmI[]>> {
  const r = await acrossClusters(ctx, undefined, (c) => whoami(c).then((w) => ({ ...w, cluster: c.cluster })));
  return { value: r.ok.map((o) => o.value), multi: r.multi, failed: r.failed };
}

const POD_HEADER = ['NAMESPACE', 'POD', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'CONTAINERS', 'TARGET'];

export function podTable(rows: PodRow[], multi: boolean, eol: string): string {
  if (rows.length === 0) return `No pods you may enter.${eol}`;
  const cells = (r: PodRow) => [r.namespace, r.pod, r.ready, r.status, String(r.restarts), r.age, r.containers.join(','), r.target];
  if (!multi) return formatTable(POD_HEADER, rows.map(cells), eol);
  return formatTable(['CLUSTER', ...POD_HEADER], rows.map((r) => [r.cluster, ...cells(r)]), eol);
}

/** One cluster: as before. Several: the identity once, then allowed namespaces and grants per cluster. */
export function formatWhoAmIs(list: WhoAmI[], multi: boolean, eol: string): string {
  if (!multi || list.length === 0) return list.length === 0 ? '' : formatWhoAmI(list[0], eol);
  const head = whoamiHead(list[0], list.map((x) => `${x.cluster}: ${namespaceList(x.namespaces)}`), eol);
  const rows = list.flatMap((x) => x.grants.map((g) => [x.cluster ?? '', g.namespace, g.exec, g.portforward, g.log]));
  if (rows.length === 0) return head;
  return head + eol + formatTable(['CLUSTER', 'NAMESPACE', 'EXEC', 'PORT-FORWARD', 'LOGS'], rows, eol);
}
