/**
 * The front's side of the relay: `attach ID` / `watch ID` for a session this replica does not
 * hold. Its Lease names the holder; a stale Lease (the holder stopped renewing: it crashed) is
 * SESSION_LOST and is removed. The SSH channel is then carried to the holder as it would be
 * attached locally: keystrokes and output both ways with backpressure, window changes, and the
 * holder's reason when the attachment ends (the same exit status and line as locally).
 */
import { PodgateError } from '../errors/index.ts';
import { emit } from '../events/emit.ts';
import type { ConsoleContext } from '../session/extensions.ts';
import { finishJoined } from '../sessions/channel-peer.ts';
import type { AttachEnd } from '../sessions/types.ts';
import type { SessionChannel } from '../ssh/types.ts';
import type { ReplicaHub } from './index.ts';
import { remoteAttach } from './relay-client.ts';
import type { RelayEnd } from './relay-stream.ts';
import type { FoundSession } from './session-leases.ts';

/** The session `id` as another replica published it, or null when no replica did. */
export async function findRemote(hub: ReplicaHub, id: string): Promise<FoundSession | null> {
  const f = await hub.leases.find(id);
  // Our own Lease for a session our registry no longer has: it just ended.
  if (!f || f.holder === hub.advertise) return null;
  if (f.stale) {
    await hub.leases.removeStale(f);
    throw new PodgateError('SESSION_LOST', undefined, { operatorMessage: `session ${id}: the Lease of holder ${f.holder} was not renewed since ${f.lease.renewTime ?? '?'}` });
  }
  return f;
}

function attachEndOf(end: RelayEnd): AttachEnd {
  switch (end.reason) {
    case 'exit': return { kind: 'exit', exitCode: typeof end.exitCode === 'number' ? end.exitCode : null };
    case 'taken': return { kind: 'taken' };
    case 'left': return { kind: 'left' };
    case 'ended':
    case 'dropped': return { kind: 'ended', message: end.message ?? 'the session ended' };
    default: return { kind: 'ended', message: 'the connection to the podgate replica that holds this session was lost' };
  }
}

/** Carries `ch` to the holder of `f` until the attachment ends; the channel's exit status. */
export async function joinRemote(ch: SessionChannel, ctx: ConsoleContext, hub: ReplicaHub, f: FoundSession, mode: 'attach' | 'watch'): Promise<number | null> {
  const pty = ctx.pty ?? { cols: 80, rows: 24 };
  const audit = (result: string): void => {
    emit(ctx.logger, { code: 'REPLICA_RELAY_ATTACH', side: 'front', peer: f.holder, user: ctx.user.name, sessionId: f.id, op: mode, result });
  };
  let term;
  try {
    term = await remoteAttach(hub.target(f.holder), { op: mode, user: ctx.user.name, id: f.id, cols: pty.cols, rows: pty.rows, from: hub.advertise });
  } catch (err) {
    audit((err as PodgateError).code ?? 'INTERNAL');
    throw err;
  }
  audit('accepted');
  if (mode === 'watch') ch.stderr.write(`podgate: watching ${f.user}'s session ${f.id} read-only; Ctrl-] stops\r\n`);
  const finished = new Promise<RelayEnd>((resolve) => term.once('finished', resolve));
  // Output that came before the end reaches the client before the channel ends.
  const drained = new Promise<void>((resolve) => { term.once('end', resolve); term.once('close', resolve); });
  term.on('error', () => { /* 'finished' reports it */ });
  ch.pipe(term, { end: false });
  term.pipe(ch, { end: false });
  ctx.onResize((size) => { if (!term.destroyed) term.resize(size); });
  const leave = (): void => { term.destroy(); };
  if (ctx.closed.aborted) leave();
  else ctx.closed.addEventListener('abort', leave, { once: true });
  const end = await finished;
  await drained;
  ch.unpipe(term);
  term.unpipe(ch);
  audit('ended');
  return finishJoined(ch, attachEndOf(end));
}
