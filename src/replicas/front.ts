/**
 * The front's side of the relay: `attach ID` / `watch ID` (and `resume: auto`, resume-remote.ts)
 * for a session this replica does not hold. Its Lease names the holder; a stale Lease (the holder stopped renewing: it crashed) is
 * SESSION_LOST and is removed. The SSH channel is then carried to the holder as it would be
 * attached locally: keystrokes and output both ways with backpressure, window changes, and the
 * holder's reason when the attachment ends (the same exit status and line as locally).
 */
import { PodgateError } from '../errors/index.ts';
import { emit } from '../events/emit.ts';
import type { Logger } from 'pino';
import { finishJoined } from '../sessions/channel-peer.ts';
import type { AttachEnd } from '../sessions/types.ts';
import type { SessionChannel, WindowSize } from '../ssh/types.ts';
import type { ReplicaHub } from './index.ts';
import { remoteAttach } from './relay-client.ts';
import type { RelayEnd, RelayStream } from './relay-stream.ts';
import type { FoundSession } from './session-leases.ts';

/** The session `id` as another replica published it, or null when no replica did. */
export async function findRemote(hub: ReplicaHub, id: string): Promise<FoundSession | null> {
  const f = await hub.leases.find(id);
  // Our own Lease for a session our registry no longer has: it just ended. Lingering processes have no terminal.
  if (!f || f.holder === hub.advertise || f.kind !== 'pty') return null;
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

/** What carrying a channel to the holder needs of its connection (a console command, or a login shell that resumes). */
export interface JoinContext {
  user: { name: string };
  logger: Logger;
  pty: { cols: number; rows: number } | null;
  onResize(listener: (size: WindowSize) => void): void;
  /** Aborted once the client's channel is gone. */
  closed: AbortSignal;
}

export type RemoteMode = 'attach' | 'watch' | 'resume';

function auditFront(ctx: JoinContext, f: FoundSession, mode: RemoteMode, result: string): void {
  emit(ctx.logger, { code: 'REPLICA_RELAY_ATTACH', side: 'front', peer: f.holder, user: ctx.user.name, sessionId: f.id, op: mode, result });
}

/** Asks the holder of `f` to attach (or watch, or resume) for `ctx`'s user: the relayed terminal, or a PodgateError. */
export async function openRemote(ctx: JoinContext, hub: ReplicaHub, f: FoundSession, mode: RemoteMode): Promise<RelayStream> {
  // A client without a real terminal (ssh -tt < script) asks for a 0x0 PTY: the relay wants a size.
  const cols = ctx.pty && ctx.pty.cols > 0 ? ctx.pty.cols : 80;
  const rows = ctx.pty && ctx.pty.rows > 0 ? ctx.pty.rows : 24;
  try {
    const term = await remoteAttach(hub.target(f.holder), { op: mode, user: ctx.user.name, id: f.id, cols, rows, from: hub.advertise });
    auditFront(ctx, f, mode, 'accepted');
    return term;
  } catch (err) {
    auditFront(ctx, f, mode, (err as PodgateError).code ?? 'INTERNAL');
    throw err;
  }
}

/** Carries `ch` to the holder over `term` until the attachment ends; the channel's exit status. */
export async function carryRemote(ch: SessionChannel, ctx: JoinContext, f: FoundSession, term: RelayStream, mode: RemoteMode): Promise<number | null> {
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
  auditFront(ctx, f, mode, 'ended');
  return finishJoined(ch, attachEndOf(end));
}

/** Carries `ch` to the holder of `f` (`attach ID`, `watch ID`) until the attachment ends; the channel's exit status. */
export async function joinRemote(ch: SessionChannel, ctx: JoinContext, hub: ReplicaHub, f: FoundSession, mode: 'attach' | 'watch'): Promise<number | null> {
  const term = await openRemote(ctx, hub, f, mode);
  if (mode === 'watch') ch.stderr.write(`podgate: watching ${f.user}'s session ${f.id} read-only; Ctrl-] stops\r\n`);
  return carryRemote(ch, ctx, f, term, mode);
}
