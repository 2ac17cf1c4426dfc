/** podgate's policy: one function family every path asks (docs/policy.md). */
export type { PolicyAction } from './actions.ts';
export { decisionError } from './decision.ts';
export { authorizeTarget, configuredNamespaces, defaultNamespaceOf, mayDo, mayUseCluster, mayUseNamespace, podFilterOf, reviewNamespace } from './policy.ts';
