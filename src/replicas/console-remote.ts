/**
 * The console's view of sessions other replicas hold (docs/replicas.md): `sessions` rows from
 * their Leases, and `attach ID` / `watch ID` relayed to the holder after the same checks as a
 * local join (the owner for attach; policy and RBAC as the user for the container). Only
 * reached when this replica has no such session.
 */
import { decisionError, mayDo } from '../policy/index.ts';
import type { ConsoleContext, HandlerOutcome } from '../session/extensions.ts';
import { authorizeInCluster } from '../clusters/choose.ts';
import type { SessionChannel } from '../ssh/types.ts';
import { age } from '../console/table.ts';
import { findRemote, joinRemote } from './front.ts';

/** `sessions` rows (ID TARGET STATE STARTED IDLE) of the user's sessions on other replicas (IDLE: since it detached). */
export async function remoteSessionRows(ctx: ConsoleContext, now = Date.now()): Promise<string[][]> {
  const hub = ctx.replicas;
  if (!hub) return [];
  // The API is down: the local list is still worth showing.
  const found = await hub.leases.listForUser(ctx.user.name).catch(() => []);
  return found.filter((f) => f.holder !== hub.advertise && !f.stale && f.kind === 'pty').map((f) => [
    f.id, f.target, f.state, f.startedAt.replace(/\.\d+Z$/, 'Z'), f.state === 'detached' && f.detachedAt ? age(new Date(f.detachedAt), now) : '',
  ]);
}

/** Joins session `id` on another replica; null when no other replica holds such a session of this user's. */
export async function joinElsewhere(ch: SessionChannel, ctx: ConsoleContext, id: string, mode: 'attach' | 'watch'): Promise<HandlerOutcome | null> {
  const hub = ctx.replicas;
  if (!hub) return null;
  const f = await findRemote(hub, id);
  if (!f) return null;
  const own = f.user === ctx.user.name;
  if (!own && mode === 'attach') return null;
  if (!own) {
    const refused = decisionError(mayDo(ctx.user, 'watch'));
    if (refused) throw refused;
  }
  // In the session's own cluster (a Lease of an older replica has none: the default one).
  const cluster = f.cluster ?? ctx.clusters.defaultCluster.name;
  await authorizeInCluster(ctx, own ? 'shell' : 'watch', { kind: 'pod', cluster, name: f.pod, namespace: f.namespace, container: f.container, raw: f.target });
  return { exitCode: await joinRemote(ch, ctx, hub, f, mode) };
}
