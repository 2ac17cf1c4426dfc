/**
 * Per-source penalties, after OpenSSH 9.8's PerSourcePenalties: a source address whose
 * connections end badly (authentication failures, no authentication, login grace exceeded, a
 * protocol crash) accrues penalty time; once the accrued time reaches `min`, new connections
 * from it are refused until it runs out. Repeat offences add up (capped at `max`), so a steady
 * attacker is shut out for longer and longer, while a single failure (a mistyped key) costs
 * nothing visible. The table holds at most `maxSources` entries (expired ones are swept first;
 * a full table adds no new penalties, OpenSSH's `overflow=permissive`).
 */
import type { PenaltiesConfig } from '../config/types.ts';
import type { AddressSet } from './address-set.ts';

export type PenaltyEvent = 'authfail' | 'noauth' | 'grace-exceeded' | 'crash';

/** The config's `limits.penalties` (src/config/types.ts) less the exempt list, which the caller resolves. */
export type PenaltyConfig = Omit<PenaltiesConfig, 'exempt'>;

interface PenaltyOutcome {
  /** Seconds of penalty now held (0 when the event was not recorded). */
  seconds: number;
  /** True when connections from the source are now refused. */
  active: boolean;
  /** Why nothing was recorded: 'exempt', 'disabled' or 'table-full'. */
  skipped?: 'exempt' | 'disabled' | 'table-full';
}

export interface Penalties {
  /** Records an event for `source`. */
  add(source: string, event: PenaltyEvent): PenaltyOutcome;
  /** Seconds until `source` may connect again (0 = not refused). */
  refusedFor(source: string): number;
  size(): number;
}

export function createPenalties(cfg: PenaltyConfig, exempt: AddressSet, now: () => number = Date.now): Penalties {
  /** source → when its penalty ends, and whether it reached `min` (then it holds until the end). */
  const expiry = new Map<string, { until: number; active: boolean }>();
  const seconds: Record<PenaltyEvent, number> = { authfail: cfg.authfail, noauth: cfg.noauth, 'grace-exceeded': cfg.graceExceeded, crash: cfg.crash };
  let lastSweep = 0;

  const sweep = (t: number): void => {
    if (t - lastSweep < 1000) return;
    lastSweep = t;
    for (const [k, v] of expiry) if (v.until <= t) expiry.delete(k);
  };

  const held = (source: string, t: number): { left: number; active: boolean } => {
    const e = expiry.get(source);
    if (e === undefined) return { left: 0, active: false };
    if (e.until <= t) {
      expiry.delete(source);
      return { left: 0, active: false };
    }
    return { left: e.until - t, active: e.active };
  };

  return {
    add(source, event) {
      const d = seconds[event] * 1000;
      if (d <= 0 || cfg.max <= 0) return { seconds: 0, active: false, skipped: 'disabled' };
      if (exempt.has(source)) return { seconds: 0, active: false, skipped: 'exempt' };
      const t = now();
      const current = held(source, t);
      if (current.left === 0 && expiry.size >= cfg.maxSources) {
        sweep(t);
        if (expiry.size >= cfg.maxSources) return { seconds: 0, active: false, skipped: 'table-full' };
      }
      const next = Math.min(current.left + d, cfg.max * 1000);
      const active = current.active || next >= cfg.min * 1000;
      expiry.delete(source); // re-insert: the Map stays in order of last offence
      expiry.set(source, { until: t + next, active });
      return { seconds: Math.round(next / 1000), active };
    },
    refusedFor(source) {
      const h = held(source, now());
      return h.active ? Math.ceil(h.left / 1000) : 0;
    },
    size: () => expiry.size,
  };
}
