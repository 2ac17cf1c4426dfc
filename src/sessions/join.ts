/**
 * Joining a live session from an SSH channel: attach (the owner takes the terminal, from
 * `attach ID` or `resume: auto`) and watch (read-only). Who may join is asked first
 * (join-access.ts); these only connect the channel and audit.
 */
import type { Logger } from 'pino';
import { emit } from '../events/emit.ts';
import type { SessionChannel, WindowSize } from '../ssh/types.ts';
import { channelPeer, finishJoined } from './channel-peer.ts';
import type { AttachHandle, LiveSessionView } from './types.ts';

export interface JoinWho {
  log: Logger;
  connId: string;
  /** The podgate user joining. */
  user: string;
  via: 'attach' | 'resume';
}

/**
 * Attaches `ch` to `s` and resolves with the exit status the channel ended with (null when the
 * client left first). `onHandle` gets the handle at once, to route resizes and the close.
 */
export async function resumeChannel(ch: SessionChannel, s: LiveSessionView, size: WindowSize, who: JoinWho, onHandle: (h: AttachHandle) => void): Promise<number | null> {
  const took = s.state !== 'detached';
  emit(who.log, {
    code: 'SESSION_ATTACH', connId: who.connId, sessionId: s.id, user: who.user,
    namespace: s.target.namespace, pod: s.target.pod, container: s.target.container, via: who.via, took,
  }, 'session attached');
  if (who.via === 'resume') {
    const since = s.detachedAt ? `, detached ${Math.max(0, Math.round((Date.now() - s.detachedAt.getTime()) / 1000))} s ago` : '';
    ch.stderr.write(`podgate: resumed your session ${s.id}${since}\r\n`);
  }
  const h = s.attach(channelPeer(ch, size));
  onHandle(h);
  return finishJoined(ch, await h.ended);
}

/** Watches `s` read-only from `ch` until the watcher leaves or the session ends. */
export async function watchChannel(ch: SessionChannel, s: LiveSessionView, size: WindowSize, who: Omit<JoinWho, 'via'>, onHandle: (h: AttachHandle) => void): Promise<number | null> {
  const started = performance.now();
  const base = { connId: who.connId, sessionId: s.id, watcher: who.user, owner: s.owner };
  emit(who.log, { code: 'SESSION_WATCH_START', ...base, namespace: s.target.namespace, pod: s.target.pod, container: s.target.container }, 'watch start');
  ch.stderr.write(`podgate: watching ${s.owner}'s session ${s.id} read-only; Ctrl-] stops\r\n`);
  const h = s.watch(channelPeer(ch, size), who.user);
  onHandle(h);
  const end = await h.ended;
  emit(who.log, { code: 'SESSION_WATCH_END', ...base, durationMs: Math.round(performance.now() - started), why: end.kind }, 'watch end');
  return finishJoined(ch, end);
}
