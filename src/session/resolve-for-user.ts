/**
 * A target resolved for a user: the user's default namespace (else the config's, else
 * `default`) and the config's narrowing (allowed namespaces, podSelector) applied.
 */
import type { StreamSubresource } from '../target/access.ts';
import { resolveTarget, type ResolvedTarget } from '../target/resolve.ts';
import type { TargetSpec } from '../target/types.ts';
import type { UserContext } from './extensions.ts';

export function resolveForUser(ctx: UserContext, target: TargetSpec, subresource: StreamSubresource): Promise<ResolvedTarget> {
  const allow = ctx.user.allow;
  return resolveTarget(target, {
    kube: ctx.kube,
    identity: ctx.identity,
    defaultNamespace: ctx.user.defaultNamespace ?? ctx.config.defaultNamespace ?? 'default',
    subresource,
    ...(allow.namespaces ? { allowedNamespaces: allow.namespaces } : {}),
    ...(allow.podSelector ? { podSelector: allow.podSelector } : {}),
  });
}
