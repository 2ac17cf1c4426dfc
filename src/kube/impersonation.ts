import type { Identity } from './types.ts';

/**
 * The impersonation headers for one identity: `Impersonate-User` once and one
 * `Impersonate-Group` header line per group. Node's http sends an array value as repeated
 * header lines, which is what the API server expects (it never splits a value on commas).
 */
export function impersonationHeaders(identity: Identity): Record<string, string | string[]> {
  if (identity.user === '' || !isHeaderSafe(identity.user)) {
    throw new TypeError('impersonated user name must be a non-empty header-safe string');
  }
  const groups = [...new Set(identity.groups)];
  for (const g of groups) {
    if (g === '' || !isHeaderSafe(g)) throw new TypeError('impersonated group names must be non-empty header-safe strings');
  }
  const headers: Record<string, string | string[]> = { 'Impersonate-User': identity.user };
  if (groups.length > 0) headers['Impersonate-Group'] = groups;
  return headers;
}

/** Visible ASCII and spaces only: no CR/LF (header injection), no control characters. */
function isHeaderSafe(value: string): boolean {
  return /^[\x20-\x7e]+$/.test(value);
}

/** Drops any Impersonate-* a kubeconfig (`as:`) put into a header set: podgate sets its own. */
export function withoutImpersonation(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (!k.toLowerCase().startsWith('impersonate-')) out[k] = v;
  }
  return out;
}
