/**
 * The holder's side of the relay: answers another replica's `attach` and `watch`
 * from this replica's session registry, with the checks only the holder can make (the session
 * exists here, belongs to the user, can be re-attached). The requesting replica already asked
 * the policy and RBAC as the user (front.ts). The relayed terminal is attached exactly as a
 * local SSH channel is: a TerminalPeer over the RelayStream.
 */
import { PodgateError } from '../errors/index.ts';
import type { SessionRegistry } from '../sessions/registry.ts';
import type { AttachEnd, TerminalPeer } from '../sessions/types.ts';
import type { LingerPool } from '../sessions/linger.ts';
import type { SessionReaper } from '../session/reaper-types.ts';
import type { AdoptRequest, AttachRequest, RelayAnswer } from './protocol.ts';
import type { AttachDecision, RelayHandler } from './relay-server.ts';
import type { RelayEnd, RelayStream } from './relay-stream.ts';

function relayEndOf(end: AttachEnd): RelayEnd {
  switch (end.kind) {
    case 'exit': return end.exitCode === null ? { reason: 'exit' } : { reason: 'exit', exitCode: end.exitCode };
    case 'ended': return { reason: 'ended', message: end.message };
    case 'dropped': return { reason: 'dropped', message: end.message };
    case 'taken': return { reason: 'taken' };
    case 'left': return { reason: 'left' };
  }
}

function peerOver(term: RelayStream, req: AttachRequest): TerminalPeer {
  return {
    stream: term,
    cols: req.cols,
    rows: req.rows,
    notice(text) {
      if (!term.destroyed && term.writable) term.write(`\r\npodgate: ${text}\r\n`);
    },
  };
}

function refuse(e: PodgateError): AttachDecision {
  return { ok: false, code: e.code, message: e.userMessage };
}

/** What a holder needs to hand lingering processes over: its pool and its reaper's journal. */
export interface LingerHolder {
  pool: LingerPool;
  reaper: SessionReaper;
}

/**
 * Another replica adopts the lingering processes of session `req.id` (it tracked them in its
 * own journal first): they leave the pool and this journal without being reaped. If this
 * journal cannot let go of them, they linger here again and the requester is refused.
 */
async function handOver(linger: LingerHolder | undefined, req: AdoptRequest): Promise<RelayAnswer> {
  const held = linger?.pool.handOver(req.id, req.user);
  if (!linger || !held) {
    const e = new PodgateError('SESSION_NOT_FOUND', `no lingering processes of session "${req.id}" of yours on this replica`);
    return { ok: false, code: e.code, message: e.userMessage };
  }
  try {
    await linger.reaper.untrack(req.id);
    return { ok: true };
  } catch (err) {
    linger.pool.hold(held.entry, null, held.graceSeconds);
    const e = new PodgateError('INTERNAL', undefined, { operatorMessage: `untrack ${req.id}: ${(err as Error).message}` });
    return { ok: false, code: e.code, message: e.userMessage };
  }
}

export function holderHandler(registry: SessionRegistry, linger?: LingerHolder): RelayHandler {
  return {
    adopt: (req) => handOver(linger, req),
    attach: (req) => {
      const s = registry.find(req.id);
      const own = s !== undefined && s.owner === req.user;
      // Watching another user's session was allowed by the front (policy `watch` + RBAC as the watcher).
      const takes = req.op !== 'watch';
      if (!s || (takes && !own)) {
        return Promise.resolve(refuse(new PodgateError('SESSION_NOT_FOUND', `no session "${req.id}" of yours on this bastion (ssh ${req.user}@bastion sessions lists them)`)));
      }
      if (takes && !s.resumable) {
        return Promise.resolve(refuse(new PodgateError('SESSION_NOT_RESUMABLE', `session ${s.id} cannot be re-attached (sessions.detachGraceSeconds is 0)`)));
      }
      // `resume: auto` never takes a session over from a client that came back meanwhile.
      if (req.op === 'resume' && s.state !== 'detached') {
        return Promise.resolve(refuse(new PodgateError('SESSION_NOT_FOUND', `session ${s.id} is no longer detached`)));
      }
      return Promise.resolve({
        ok: true,
        start: (term: RelayStream) => {
          const h = takes ? s.attach(peerOver(term, req)) : s.watch(peerOver(term, req), req.user);
          term.on('resize', (size: { cols: number; rows: number }) => h.resize(size));
          // The front's client went away (or the connection broke): detached again, as locally.
          term.on('finished', () => h.detach());
          term.on('error', () => h.detach());
          void h.ended.then((end) => term.finish(relayEndOf(end)));
        },
      });
    },
  };
}
