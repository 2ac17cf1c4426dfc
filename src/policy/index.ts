/** podgate's policy: one function family every path asks (docs/policy.md). */
export { ACTION_RULES, type PolicyAction } from './actions.ts';
export { decisionError, enforce, type PolicyDecision } from './decision.ts';
export { authorizeTarget, configuredNamespaces, defaultNamespaceOf, mayDo, mayDoIn, mayUseNamespace, podFilterOf, reviewNamespace, type PolicySubject } from './policy.ts';
