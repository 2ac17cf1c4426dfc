/**
 * Authentication (static bearer tokens) and impersonation (Impersonate-User, one
 * Impersonate-Group per header line), following apiserver pkg/endpoints/filters/impersonation.go.
 */
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { EmulatorConfig } from './types.ts';
import type { Authorizer, UserInfo } from './rbac.ts';
import { forbiddenMessage } from './rbac.ts';
import type { Status } from './status.ts';
import { forbidden, internalError } from './status.ts';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m ? m[1] : undefined;
  }
  // WebSocket clients that cannot set headers (authenticator/request/websocket).
  for (const p of (req.headers['sec-websocket-protocol'] ?? '').split(',')) {
    const m = /^base64url\.bearer\.authorization\.k8s\.io\.(.+)$/.exec(p.trim());
    if (m) return Buffer.from(m[1], 'base64url').toString('utf8');
  }
  return undefined;
}

export function authenticate(req: IncomingMessage, config: EmulatorConfig): UserInfo | null {
  const token = bearerToken(req);
  if (token === undefined) return null;
  const entry = config.tokens.find((t) => same(t.token, token));
  if (!entry) return null;
  const groups = [...(entry.groups ?? [])];
  if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
  return { name: entry.user, groups };
}

export type ImpersonationResult =
  | { ok: true; user: UserInfo; impersonated: boolean }
  | { ok: false; status: Status };

/** Applies impersonation headers: every requested identity must be allowed by RBAC. */
export function impersonate(req: IncomingMessage, actor: UserInfo, authz: Authorizer): ImpersonationResult {
  const userHeader = req.headersDistinct['impersonate-user'];
  const groupHeaders = req.headersDistinct['impersonate-group'] ?? [];
  const extraKeys = Object.keys(req.headers).filter((k) => k.startsWith('impersonate-extra-'));
  const uidHeader = req.headersDistinct['impersonate-uid'];
  if (!userHeader) {
    if (groupHeaders.length > 0 || extraKeys.length > 0 || uidHeader) {
      return { ok: false, status: internalError('requested impersonation without impersonating a user') };
    }
    return { ok: true, user: actor, impersonated: false };
  }
  const name = userHeader[0];
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name);
  const checks: { resource: string; name: string; namespace?: string }[] = [];
  if (sa) checks.push({ resource: 'serviceaccounts', name: sa[2], namespace: sa[1] });
  else checks.push({ resource: 'users', name });
  for (const g of groupHeaders) checks.push({ resource: 'groups', name: g });
  if (uidHeader) checks.push({ resource: 'uids', name: uidHeader[0] });
  for (const c of checks) {
    const attrs = { user: actor, verb: 'impersonate', resourceRequest: true, apiGroup: c.resource === 'uids' ? 'authentication.k8s.io' : '', resource: c.resource, name: c.name, namespace: c.namespace };
    if (!authz.authorize(attrs).allowed) {
      return { ok: false, status: forbidden({ group: attrs.apiGroup, resource: c.resource }, c.name, forbiddenMessage(attrs)) };
    }
  }
  const groups = [...groupHeaders];
  if (sa) groups.push('system:serviceaccounts', `system:serviceaccounts:${sa[1]}`);
  if (!groups.includes('system:authenticated') && !groups.includes('system:unauthenticated')) groups.push('system:authenticated');
  return { ok: true, user: { name, groups }, impersonated: true };
}
