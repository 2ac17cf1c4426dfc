/**
 * One-time browser links. `issue` makes a token for a user, a target and an optional command;
 * `redeem` trades it once, within the TTL, for what it opens. The store keeps only token
 * hashes, bounds the unopened links per user, and remembers spent and expired links for a while
 * so a second use or a late click gets a page that says so instead of "unknown".
 */
import { PodgateError } from '../errors/index.ts';
import type { Join } from './join.ts';
import { hashToken, isToken, newId, newToken, sameHash } from './token.ts';

export interface LinkGrant {
  /** Public id (audit), not the token. */
  id: string;
  user: string;
  /** The target as the user typed it (parsed again when the session starts). */
  target: string;
  /** The command to run under a PTY; null: a login shell. */
  command: string | null;
  /** `web --attach ID` / `--watch ID`: join that live session instead of starting one. */
  join?: Join;
}

interface Entry extends LinkGrant {
  hash: Buffer;
  expiresAt: number;
  used: boolean;
}

export type Redeemed = { ok: true; grant: LinkGrant } | { ok: false; reason: 'unknown-link' | 'used-link' | 'expired-link'; grant?: LinkGrant };

/** How long a spent or expired link is remembered (for the page that says so). */
const REMEMBER_MS = 10 * 60_000;
/** Most links remembered in all (oldest dropped first): memory stays bounded. */
const MAX_ENTRIES = 20_000;

export class LinkStore {
  readonly #byHash = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxPending: number;
  readonly #now: () => number;

  constructor(opts: { ttlSeconds: number; maxPendingPerUser: number; now?: () => number }) {
    this.#ttlMs = opts.ttlSeconds * 1000;
    this.#maxPending = opts.maxPendingPerUser;
    this.#now = opts.now ?? Date.now;
  }

  /** A new link; refused (WEB_LINKS_PENDING) when the user already holds the most unopened ones. */
  issue(req: Omit<LinkGrant, 'id'>): { grant: LinkGrant; token: string; expiresInSeconds: number } {
    const now = this.#now();
    this.sweep(now);
    let pending = 0;
    for (const e of this.#byHash.values()) if (e.user === req.user && !e.used && e.expiresAt > now) pending++;
    if (pending >= this.#maxPending) {
      throw new PodgateError('WEB_LINKS_PENDING', `${pending} browser links are waiting to be opened (at most ${this.#maxPending}); open one or wait ${Math.ceil(this.#ttlMs / 1000)} s`);
    }
    const token = newToken();
    const hash = hashToken(token);
    const grant: LinkGrant = { id: newId(), ...req };
    this.#byHash.set(hash.toString('hex'), { ...grant, hash, expiresAt: now + this.#ttlMs, used: false });
    while (this.#byHash.size > MAX_ENTRIES) this.#byHash.delete(this.#byHash.keys().next().value!);
    return { grant, token, expiresInSeconds: Math.round(this.#ttlMs / 1000) };
  }

  /** Spends a link: the first use within the TTL succeeds; every other use says why not. */
  redeem(token: string): Redeemed {
    if (!isToken(token)) return { ok: false, reason: 'unknown-link' };
    const now = this.#now();
    const hash = hashToken(token);
    const entry = this.#byHash.get(hash.toString('hex'));
    if (!entry || !sameHash(entry.hash, hash)) return { ok: false, reason: 'unknown-link' };
    const grant: LinkGrant = { id: entry.id, user: entry.user, target: entry.target, command: entry.command, ...(entry.join ? { join: entry.join } : {}) };
    if (entry.used) return { ok: false, reason: 'used-link', grant };
    if (now >= entry.expiresAt) return { ok: false, reason: 'expired-link', grant };
    entry.used = true;
    return { ok: true, grant };
  }

  private sweep(now: number): void {
    for (const [k, e] of this.#byHash) if (e.expiresAt + REMEMBER_MS <= now) this.#byHash.delete(k);
  }
}
