/**
 * Which namespaces the console looks in for `pods` with no namespace: the config's allowed
 * list when it has one (src/policy); else every namespace podgate can see (listed with
 * podgate's own read-only identity: names only, no user data); else, when even that is not
 * possible, the user's default namespace. Whether the user may enter pods there is then
 * decided per namespace by the policy (config scope, then an access review as the user).
 */
import { configuredNamespaces, defaultNamespaceOf, reviewNamespace } from '../policy/index.ts';
import type { UserContext } from '../session/extensions.ts';
import { emit } from '../events/emit.ts';

export { defaultNamespaceOf };

export async function candidateNamespaces(ctx: UserContext): Promise<string[]> {
  const configured = configuredNamespaces(ctx.user);
  if (configured) return configured;
  if (ctx.kube.listNamespaceNames) {
    try {
      return await ctx.kube.listNamespaceNames();
    } catch (e) {
      emit(ctx.logger, { code: 'CONSOLE_NAMESPACES_UNLISTED', err: (e as Error).message }, 'cannot list namespaces; using the default namespace');
    }
  }
  return [defaultNamespaceOf(ctx)];
}

/** Whether the policy lets the user enter pods of `namespace` (scope, then create+get pods/exec). */
export async function mayExecIn(ctx: UserContext, namespace: string): Promise<boolean> {
  return (await reviewNamespace(ctx, 'exec', namespace)).allowed;
}

/** The candidate namespaces where the user may exec into pods, sorted. */
export async function execNamespaces(ctx: UserContext): Promise<string[]> {
  const candidates = await candidateNamespaces(ctx);
  const ok = await Promise.all(candidates.map((ns) => mayExecIn(ctx, ns)));
  return candidates.filter((_, i) => ok[i]).sort();
}
