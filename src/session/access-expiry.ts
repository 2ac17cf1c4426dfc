/**
 * Access that expires (docs/clusters.md): a user's `expires` (config) and a certificate's
 * valid-before end that login's live sessions at that moment, by a timer, not at the next
 * action. Each authenticated connection (nested jump connections too) is watched; a config
 * reload re-arms every watch with the user's new `expires` (one in the past ends them at once).
 * When one fires: ACCESS_EXPIRED, every session of the connection ends with the line
 * `podgate: access for USER expired at TIME`, then the connection closes.
 */
import type { Logger } from 'pino';
import type { UserConfig } from '../config/types.ts';
import { emit } from '../events/emit.ts';
import type { ConnectionControl } from '../ssh/types.ts';
import type { ActiveSessions } from './active-sessions.ts';

/** setTimeout's longest delay; later ends are reached in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

interface Watch {
  connId: string;
  user: string;
  certValidBeforeMs: number | undefined;
  control: ConnectionControl;
  timer: NodeJS.Timeout | null;
  fired: boolean;
}

/** When the user's access ends under the config (ms since the epoch), or null. */
export function configExpiryMs(user: Pick<UserConfig, 'expires'> | undefined): number | null {
  if (user?.expires === undefined) return null;
  const t = Date.parse(user.expires);
  return Number.isNaN(t) ? null : t;
}

export function expiredLine(user: string, at: string): string {
  return `access for ${user} expired at ${at}`;
}

export class AccessExpiry {
  readonly #watches = new Map<string, Watch>();
  #users: ReadonlyMap<string, UserConfig>;
  readonly #active: ActiveSessions;
  readonly #logger: Logger;
  /** How long ended sessions get to finish (their reap) before the connection closes anyway. */
  readonly #drainMs: number;

  constructor(users: ReadonlyMap<string, UserConfig>, active: ActiveSessions, logger: Logger, drainMs: number) {
    this.#users = users;
    this.#active = active;
    this.#logger = logger;
    this.#drainMs = drainMs;
  }

  /** Watches an authenticated connection until `unwatch` (its close). */
  watch(connId: string, user: string, certValidBeforeMs: number | undefined, control: ConnectionControl): () => void {
    const w: Watch = { connId, user, certValidBeforeMs, control, timer: null, fired: false };
    this.#watches.set(connId, w);
    this.#arm(w);
    return () => {
      if (w.timer) clearTimeout(w.timer);
      this.#watches.delete(connId);
    };
  }

  /** A reload: every watch follows the new `expires` of its user. */
  reload(users: ReadonlyMap<string, UserConfig>): void {
    this.#users = users;
    for (const w of this.#watches.values()) this.#arm(w);
  }

  #end(w: Watch): { at: number; text: string; source: 'config' | 'certificate' } | null {
    const cfg = configExpiryMs(this.#users.get(w.user));
    const cert = w.certValidBeforeMs ?? null;
    if (cfg === null && cert === null) return null;
    if (cert === null || (cfg !== null && cfg <= cert)) return { at: cfg!, text: this.#users.get(w.user)!.expires!, source: 'config' };
    return { at: cert, text: new Date(cert).toISOString(), source: 'certificate' };
  }

  #arm(w: Watch): void {
    if (w.timer) clearTimeout(w.timer);
    w.timer = null;
    if (w.fired) return;
    const end = this.#end(w);
    if (end === null) return;
    const delay = end.at - Date.now();
    if (delay <= 0) {
      this.#fire(w, end);
      return;
    }
    w.timer = setTimeout(() => this.#arm(w), Math.min(delay, MAX_DELAY_MS));
    w.timer.unref();
  }

  #fire(w: Watch, end: { text: string; source: 'config' | 'certificate' }): void {
    w.fired = true;
    const line = expiredLine(w.user, end.text);
    // The connection's own sessions and those of its nested (jump) connections, whose channels
    // it carries: they get their line before it closes.
    const mine = (id: string | undefined) => id === w.connId || (id?.startsWith(`${w.connId}-j`) ?? false);
    const sessions = this.#active.count((s) => mine(s.connId));
    emit(this.#logger, { code: 'ACCESS_EXPIRED', connId: w.connId, user: w.user, expiredAt: end.text, source: end.source, sessions }, 'access expired; ending the login\'s sessions');
    void this.#active.terminateWhere((s) => mine(s.connId), 'access-expired', this.#drainMs, line).then(() => w.control.end());
  }
}
