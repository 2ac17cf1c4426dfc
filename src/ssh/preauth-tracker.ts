/**
 * The life of one connection before authentication, TCP or nested (jump): it waits at the
 * gate (src/ssh/preauth-gate.ts), runs its handshake under the login grace time, and when it
 * ends without authenticating its source is penalised for how it ended (src/ssh/penalties.ts):
 * `authfail` after rejected attempts, `grace-exceeded` when the grace time ran out, `crash` on
 * a protocol error, `noauth` otherwise. A connection that only waited in the queue costs
 * nothing: an honest burst is never penalised. Nor does anything after authentication: a
 * protocol error or failure on an authenticated connection never penalises its address (one
 * user's misbehaving session must not lock out everyone behind the same NAT address).
 */
import type { Logger } from 'pino';
import type { Contender, PreauthGate } from './preauth-gate.ts';
import type { PenaltyEvent, Penalties } from './penalties.ts';
import { emit } from '../events/emit.ts';

export interface PreauthConn {
  readonly connId: string;
  readonly source: string;
  /** Authentication succeeded: frees the slot, stops the grace timer, no penalty. */
  authenticated(): void;
  /** One rejected authentication attempt. */
  authFailed(): void;
  /** The connection ends on a protocol error (a malformed packet, not a failed negotiation). */
  crashed(): void;
  /** Don't penalise the source (the connection was refused for a reason that is not its client's doing). */
  exempt(): void;
  /** The transport is gone: call once, from its 'close'. */
  closed(): void;
}

interface EnterOptions {
  connId: string;
  source: string;
  /** Starts the SSH handshake on the transport. */
  start(): void;
  /** Destroys the transport. */
  destroy(): void;
  /** 'nested' for jump connections (in the audit). */
  kind: 'tcp' | 'nested';
}

export interface PreauthTracker {
  enter(opts: EnterOptions): PreauthConn;
}

export function createPreauthTracker(graceSeconds: number, gate: PreauthGate, penalties: Penalties, log: Logger): PreauthTracker {
  return {
    enter(opts) {
      let started = false;
      let authed = false;
      let failures = 0;
      let crashed = false;
      let exempt = false;
      let ended = false;
      let preset: PenaltyEvent | null = null;
      const nested = opts.kind === 'nested' ? { nested: true } : {};

      const contender: Contender = {
        connId: opts.connId,
        source: opts.source,
        start: () => {
          if (ended) return;
          started = true;
          opts.start();
        },
        close: (reason) => {
          if (reason === 'unauthenticated-preempted') preset = 'noauth';
          else exempt = true; // refused at the door: it never had a chance to misbehave
          opts.destroy();
        },
      };

      const grace = setTimeout(() => {
        if (authed || ended) return;
        const reason = started ? 'login-grace-timeout' : 'queue-timeout';
        if (started) preset = 'grace-exceeded';
        emit(log, { code: 'CONNECTION_CLOSED', connId: opts.connId, remoteAddress: opts.source, reason, ...nested },
          started ? 'login grace time over' : 'login grace time over while waiting for a slot');
        opts.destroy();
      }, graceSeconds * 1000);

      const penalise = (): void => {
        if (!started || authed || exempt) return;
        const event: PenaltyEvent = preset ?? (failures > 0 ? 'authfail' : crashed ? 'crash' : 'noauth');
        const r = penalties.add(opts.source, event);
        if (r.skipped === 'table-full') {
          emit(log, { code: 'PENALTY_TABLE_FULL', remoteAddress: opts.source, event }, 'penalty table full; penalty not recorded');
        } else if (r.active) {
          emit(log, { code: 'SOURCE_PENALISED', connId: opts.connId, remoteAddress: opts.source, event, seconds: r.seconds, ...nested },
            `source penalised for ${r.seconds} s (${event})`);
        } else if (!r.skipped) {
          emit(log, { code: 'PENALTY_ACCRUED', connId: opts.connId, remoteAddress: opts.source, event, seconds: r.seconds }, 'penalty time accrued');
        }
      };

      const conn: PreauthConn = {
        connId: opts.connId,
        source: opts.source,
        authenticated() {
          if (authed || ended) return;
          authed = true;
          clearTimeout(grace);
          gate.release(contender);
        },
        authFailed() {
          failures++;
        },
        crashed() {
          crashed = true;
        },
        exempt() {
          exempt = true;
        },
        closed() {
          if (ended) return;
          ended = true;
          clearTimeout(grace);
          gate.release(contender);
          setImmediate(penalise); // after the ssh2 client's own 'error'/'close' have been seen
        },
      };
      gate.admit(contender);
      return conn;
    },
  };
}
