/**
 * Config checks for several clusters and access that expires (docs/clusters.md): cluster names
 * (DNS-1123 labels: they are the `CLUSTER_` of a target, and OpenSSH lower-cases jump host
 * names), exactly one default, no `kubernetes.kubeconfig/context` beside `clusters:`, every
 * `allow.clusters` entry a configured cluster, and `expires` an RFC 3339 time.
 */
import type { SemanticIssue } from './semantics.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 3339 date-time (section 5.6), with a zone: `2026-12-31T18:00:00Z`, `...+01:00`. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
/** The name of the one cluster of the single-cluster `kubernetes:` form. */
export const IMPLICIT_CLUSTER = 'default';

/** Why `text` is not an RFC 3339 time, or null. */
function expiresProblem(text: string): string | null {
  if (!RFC3339.test(text) || Number.isNaN(Date.parse(text))) {
    return `"${text}" is not an RFC 3339 time with a zone (e.g. 2026-12-31T18:00:00Z)`;
  }
  return null;
}

interface RawCluster {
  name?: unknown;
  default?: unknown;
}

export function checkClusters(cfg: Record<string, unknown>): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const clusters = Array.isArray(cfg.clusters) ? (cfg.clusters as RawCluster[]).filter((c) => typeof c === 'object' && c !== null) : [];
  const names = new Map<string, number>();
  const defaults: number[] = [];
  clusters.forEach((c, i) => {
    if (typeof c.name === 'string') {
      if (c.name.length > 63 || !DNS1123_LABEL.test(c.name)) {
        issues.push({ path: ['clusters', i, 'name'], message: `"${c.name}" is not a valid cluster name (DNS-1123 label: lower-case letters, digits and '-', at most 63; it is the CLUSTER_ of a target)` });
      }
      const seen = names.get(c.name);
      if (seen === undefined) names.set(c.name, i);
      else issues.push({ path: ['clusters', i, 'name'], message: `duplicate cluster "${c.name}" (also clusters[${seen}])` });
    }
    if (c.default === true) defaults.push(i);
  });
  if (clusters.length > 1 && defaults.length === 0) {
    issues.push({ path: ['clusters'], message: 'mark exactly one cluster `default: true` (the cluster of targets that name none)' });
  }
  for (const i of defaults.slice(1)) {
    issues.push({ path: ['clusters', i, 'default'], message: `only one cluster may be the default (also clusters[${defaults[0]}])` });
  }
  const kube = cfg.kubernetes as { kubeconfig?: unknown; context?: unknown } | undefined;
  if (clusters.length > 0) {
    for (const key of ['kubeconfig', 'context'] as const) {
      if (kube?.[key] !== undefined) issues.push({ path: ['kubernetes', key], message: `with clusters:, set clusters[].${key} instead (kubernetes.${key} is the single-cluster form)` });
    }
  }
  const known = clusters.length > 0 ? new Set(names.keys()) : new Set([IMPLICIT_CLUSTER]);
  const users = Array.isArray(cfg.users) ? (cfg.users as { allow?: { clusters?: unknown }; expires?: unknown }[]) : [];
  users.forEach((u, i) => {
    if (typeof u !== 'object' || u === null) return;
    if (typeof u.expires === 'string') {
      const p = expiresProblem(u.expires);
      if (p !== null) issues.push({ path: ['users', i, 'expires'], message: p });
    }
    const list = u.allow?.clusters;
    if (!Array.isArray(list)) return;
    list.forEach((name: unknown, k) => {
      if (typeof name === 'string' && !known.has(name)) {
        issues.push({ path: ['users', i, 'allow', 'clusters', k], message: `no cluster "${name}" (configured: ${[...known].join(', ')})` });
      }
    });
  });
  return issues;
}
