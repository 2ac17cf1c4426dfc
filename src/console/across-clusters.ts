/**
 * The console across several clusters (docs/clusters.md): runs one command's work in every
 * cluster the user may reach, at once, each bounded by its own deadline, so one cluster that is
 * down or hangs never blocks the others; the console lists what it can and names the clusters
 * that failed. With one cluster the error is the command's own, as before clusters existed.
 */
import { inCluster } from '../clusters/choose.ts';
import { PodgateError, toPodgateError } from '../errors/index.ts';
import { decisionError, mayUseCluster } from '../policy/index.ts';
import type { UserContext } from '../session/extensions.ts';

export interface AcrossClusters<T> {
  ok: { cluster: string; value: T }[];
  failed: { cluster: string; error: PodgateError }[];
  /** More than one cluster is configured: output names the cluster. */
  multi: boolean;
}

/** Several API rounds (namespaces, access reviews, lists) fit; a hung cluster is given up after this. */
function deadlineMs(ctx: UserContext): number {
  return 2 * (ctx.config.kubernetes?.requestTimeoutMs ?? 10_000);
}

function withDeadline<T>(p: Promise<T>, ms: number, cluster: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PodgateError('API_TIMEOUT', `cluster "${cluster}" did not answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The clusters a console command covers: `only` (checked), else every one the user may reach. */
function clustersFor(ctx: UserContext, only: string | undefined): UserContext[] {
  if (only !== undefined) {
    const moved = inCluster(ctx, only);
    const refused = decisionError(mayUseCluster(ctx.user, moved.cluster));
    if (refused) throw refused;
    return [moved];
  }
  return ctx.clusters.all.filter((c) => mayUseCluster(ctx.user, c.name).allowed).map((c) => inCluster(ctx, c.name));
}

export async function acrossClusters<T>(ctx: UserContext, only: string | undefined, work: (c: UserContext) => Promise<T>): Promise<AcrossClusters<T>> {
  const targets = clustersFor(ctx, only);
  const multi = ctx.clusters.all.length > 1;
  const settled = await Promise.allSettled(targets.map((c) => withDeadline(work(c), deadlineMs(ctx), c.cluster)));
  const result: AcrossClusters<T> = { ok: [], failed: [], multi };
  settled.forEach((s, i) => {
    const cluster = targets[i].cluster;
    if (s.status === 'fulfilled') result.ok.push({ cluster, value: s.value });
    else result.failed.push({ cluster, error: toPodgateError(s.reason) });
  });
  // One cluster (or nothing answered): fail as the command did before clusters existed.
  if (result.failed.length > 0 && (!multi || result.ok.length === 0)) {
    const first = result.failed[0].error;
    if (!multi) throw first;
    throw new PodgateError(first.code, result.failed.map((f) => `cluster "${f.cluster}": ${f.error.userMessage}`).join('; '), { operatorMessage: result.failed.map((f) => `${f.cluster}: ${f.error.operatorMessage}`).join('; ') });
  }
  return result;
}

/** One `podgate: cluster "X": ...` line per cluster that failed (for stderr). */
export function failureLines(failed: AcrossClusters<unknown>['failed'], eol: string): string {
  return failed.map((f) => `podgate: cluster "${f.cluster}" is not listed: ${f.error.userMessage}${eol}`).join('');
}
