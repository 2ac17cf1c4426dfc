/**
 * The PTY variant of the exec bridge: instead of piping one channel to the exec, the exec
 * becomes a LiveSession (registered, so `sessions`, `attach`, `watch` and `resume` find it) and
 * the channel is its first client. With `sessions.detachGraceSeconds` > 0 the session survives
 * its channel: detached until a client attaches or the grace runs out.
 */
import type { Logger } from 'pino';
import type { SessionsConfig } from '../config/types.ts';
import { emit } from '../events/emit.ts';
import type { ExecSession } from '../kube/types.ts';
import type { BridgeResult } from '../session/exec-bridge.ts';
import type { SessionChannel, WindowSize } from '../ssh/types.ts';
import { channelPeer, finishJoined } from './channel-peer.ts';
import { LiveSession } from './live-session.ts';
import type { SessionRegistry } from './registry.ts';
import type { AttachHandle, LiveTarget, SessionTap } from './types.ts';

export interface LiveBridgeOptions {
  ch: SessionChannel;
  exec: ExecSession;
  id: string;
  owner: string;
  target: LiveTarget;
  size: WindowSize;
  config: SessionsConfig;
  registry: SessionRegistry;
  log: Logger;
  onActivity(): void;
  /** Observers of the session's output, input and resizes (a recorder hooks in here). */
  tap?: SessionTap;
  /** The first client's handle (the session routes its resizes and its close through it). */
  onHandle(h: AttachHandle): void;
  /** The session ended without its process exiting: why, for SESSION_END. */
  onAbandoned(why: 'client-closed' | 'detach-expired'): void;
  /** The live session, for terminate/notify. */
  onLive(live: LiveSession): void;
}

export async function bridgeLive(o: LiveBridgeOptions): Promise<BridgeResult> {
  const graceMs = o.config.detachGraceSeconds * 1000;
  const where = { user: o.owner, namespace: o.target.namespace, pod: o.target.pod, container: o.target.container };
  const live = new LiveSession({
    id: o.id, owner: o.owner, target: o.target, exec: o.exec, size: o.size, graceMs,
    scrollbackLines: graceMs > 0 ? o.config.scrollbackLines : null,
    onActivity: () => o.onActivity(),
    ...(o.tap ? { tap: o.tap } : {}),
    onDetached: () => {
      emit(o.log, { code: 'SESSION_DETACH', sessionId: o.id, ...where, graceSeconds: o.config.detachGraceSeconds }, 'session detached');
      o.registry.detached(live);
    },
    onAttached: () => o.registry.attached(live),
    onAbandoned: (why) => {
      if (why === 'detach-expired') emit(o.log, { code: 'SESSION_GRACE_EXPIRED', sessionId: o.id, ...where, kind: 'detached' }, 'detached session expired');
      o.onAbandoned(why);
      o.exec.abort();
    },
  });
  o.registry.add(live);
  o.onLive(live);
  const handle = live.start(channelPeer(o.ch, o.size));
  o.onHandle(handle);
  // Taken over by another client, or ended by podgate: this channel ends now with its line.
  void handle.ended.then((end) => (end.kind === 'exit' ? undefined : finishJoined(o.ch, end)));
  try {
    const outcome = await live.done;
    return { outcome, bytesIn: live.bytesIn, bytesOut: live.bytesOut };
  } finally {
    o.registry.remove(live.id);
  }
}
