/**
 * Which namespaces the console looks in for `pods` with no namespace: the config's allowed
 * list when it has one; else every namespace podgate can see (listed with podgate's own
 * read-only identity: names only, no user data); else, when even that is not possible, the
 * user's default namespace. Whether the user may enter pods there is then decided per
 * namespace by an access review as the user.
 */
import { PodgateError } from '../errors/index.ts';
import type { UserContext } from '../session/extensions.ts';
import { checkStreamAccess } from '../target/access.ts';
import { emit } from '../events/emit.ts';

export function defaultNamespaceOf(ctx: UserContext): string {
  return ctx.user.defaultNamespace ?? ctx.config.defaultNamespace ?? 'default';
}

export async function candidateNamespaces(ctx: UserContext): Promise<string[]> {
  const allowed = ctx.user.allow.namespaces;
  if (allowed) return [...allowed];
  if (ctx.kube.listNamespaceNames) {
    try {
      return await ctx.kube.listNamespaceNames();
    } catch (e) {
      emit(ctx.logger, { code: 'CONSOLE_NAMESPACES_UNLISTED', err: (e as Error).message }, 'cannot list namespaces; using the default namespace');
    }
  }
  return [defaultNamespaceOf(ctx)];
}

/** Whether the cluster lets the user exec into pods of `namespace` (one access review: create+get pods/exec). */
export async function mayExecIn(ctx: UserContext, namespace: string): Promise<boolean> {
  try {
    await checkStreamAccess(ctx.kube, ctx.identity, namespace, 'exec');
    return true;
  } catch (e) {
    if (e instanceof PodgateError && e.code === 'FORBIDDEN') return false;
    throw e;
  }
}

/** The candidate namespaces where the user may exec into pods, sorted. */
export async function execNamespaces(ctx: UserContext): Promise<string[]> {
  const candidates = await candidateNamespaces(ctx);
  const ok = await Promise.all(candidates.map((ns) => mayExecIn(ctx, ns)));
  return candidates.filter((_, i) => ok[i]).sort();
}
