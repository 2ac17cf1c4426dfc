/**
 * Which namespaces the console looks in for `pods` with no namespace: the config's allowed
 * list when it has one; else every namespace podgate can see (listed with podgate's own
 * read-only identity: names only, no user data); else, when even that is not possible, the
 * user's default namespace. Whether the user may enter pods there is then decided per
 * namespace by an access review as the user.
 */
import type { UserContext } from '../session/extensions.ts';

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
      ctx.logger.warn({ code: 'CONSOLE_NAMESPACES_UNLISTED', err: (e as Error).message }, 'cannot list namespaces; using the default namespace');
    }
  }
  return [defaultNamespaceOf(ctx)];
}
