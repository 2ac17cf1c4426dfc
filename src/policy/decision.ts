/**
 * A policy decision: allowed, or denied with the registry code and the words the user sees
 * (`podgate: <reason>`). Denials become PodgateErrors only at the edge that reports them.
 */
import { PodgateError, type ErrorCode } from '../errors/index.ts';

export type PolicyDecision =
  | { allowed: true }
  | { allowed: false; code: Extract<ErrorCode, 'POLICY_DENIED' | 'NAMESPACE_NOT_ALLOWED' | 'FORBIDDEN' | 'CLUSTER_NOT_ALLOWED'>; reason: string; operatorReason?: string };

export const ALLOWED: PolicyDecision = Object.freeze({ allowed: true });

export function denied(code: Extract<ErrorCode, 'POLICY_DENIED' | 'NAMESPACE_NOT_ALLOWED' | 'FORBIDDEN' | 'CLUSTER_NOT_ALLOWED'>, reason: string, operatorReason?: string): PolicyDecision {
  return { allowed: false, code, reason, ...(operatorReason ? { operatorReason } : {}) };
}

/** The error a denial is reported as; null when allowed. */
export function decisionError(d: PolicyDecision): PodgateError | null {
  if (d.allowed) return null;
  return new PodgateError(d.code, d.reason, d.operatorReason ? { operatorMessage: d.operatorReason } : {});
}

/** Throws the denial's error (for async paths that report errors by rejecting). */
export function enforce(d: PolicyDecision): void {
  const err = decisionError(d);
  if (err) throw err;
}
