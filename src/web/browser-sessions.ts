/**
 * What a redeemed link becomes: a browser session, known to the browser only by an HttpOnly
 * cookie scoped to its own path (`/w/ID/`). The cookie opens that session's terminal
 * WebSocket once, within the link TTL; the terminal is then a podgate session like any other
 * and ends with the WebSocket (closing or reloading the tab ends it, as a disconnect does).
 */
import type { LinkGrant } from './links.ts';
import { hashToken, isToken, newId, newToken, sameHash } from './token.ts';

interface Entry {
  grant: LinkGrant;
  cookieHash: Buffer;
  openBy: number;
  state: 'ready' | 'open';
}

export type Claimed = { ok: true; grant: LinkGrant } | { ok: false; reason: 'no-session' | 'session-used'; grant?: LinkGrant };

export class BrowserSessions {
  readonly #byId = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(opts: { ttlSeconds: number; now?: () => number }) {
    this.#ttlMs = opts.ttlSeconds * 1000;
    this.#now = opts.now ?? Date.now;
  }

  /** A session for a redeemed link: its id (public, in the URL) and cookie (secret). */
  create(grant: LinkGrant): { id: string; cookie: string } {
    const now = this.#now();
    for (const [k, e] of this.#byId) if (e.state === 'ready' && e.openBy <= now) this.#byId.delete(k);
    const id = newId();
    const cookie = newToken();
    this.#byId.set(id, { grant, cookieHash: hashToken(cookie), openBy: now + this.#ttlMs, state: 'ready' });
    return { id, cookie };
  }

  /** The terminal WebSocket of session `id`, with the browser's cookie: once, in time. */
  claim(id: string, cookie: string | undefined): Claimed {
    const entry = this.#byId.get(id);
    if (!entry || cookie === undefined || !isToken(cookie) || !sameHash(entry.cookieHash, hashToken(cookie))) return { ok: false, reason: 'no-session' };
    if (entry.state !== 'ready') return { ok: false, reason: 'session-used', grant: entry.grant };
    if (this.#now() >= entry.openBy) {
      this.#byId.delete(id);
      return { ok: false, reason: 'no-session', grant: entry.grant };
    }
    entry.state = 'open';
    return { ok: true, grant: entry.grant };
  }

  /** The session's terminal ended: its cookie opens nothing any more. */
  end(id: string): void {
    this.#byId.delete(id);
  }
}
