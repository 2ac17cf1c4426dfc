/**
 * Response headers of every browser-terminal response: a CSP that allows scripts, styles,
 * fonts and connections from this origin only and nothing inline but styles (xterm.js writes
 * its theme and cell metrics into <style> elements it creates), no framing, no referrer (the
 * link's token must not leak), no caching of pages. And the session cookie.
 */
import type { OutgoingHttpHeaders } from 'node:http';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function pageHeaders(extra: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    ...extra,
  };
}

export const COOKIE = 'podgate_web';

/**
 * The browser session's cookie: scoped to its own path (so two terminals in one browser do not
 * overwrite each other), never readable by script, never sent from another site, and only
 * over TLS when podgate or its ingress serves HTTPS.
 */
export function sessionCookie(value: string, id: string, secure: boolean): string {
  return `${COOKIE}=${value}; Path=/w/${id}/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The value of cookie `name` in a Cookie header (the first; each session path has its own). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
