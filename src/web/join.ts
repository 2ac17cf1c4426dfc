/**
 * `web --attach ID` and `web --watch ID` (docs/web.md): a live session of this bastion moved to
 * the browser, or watched read-only there. Who may join is the console's own check
 * (`joinable` in src/console/live-sessions.ts: attach for the owner of a resumable session,
 * watch for the owner and for users with allow.watch who may enter that container), asked when
 * the link is printed and again when the page connects; joining is the sessions layer's
 * (src/sessions/join.ts), with the page's WebSocket as the channel.
 */
import { joinable } from '../console/live-sessions.ts';
import { toPodgateError } from '../errors/index.ts';
import { emit } from '../events/emit.ts';
import type { ConsoleContext } from '../session/extensions.ts';
import { resumeChannel, watchChannel } from '../sessions/join.ts';
import type { AttachHandle } from '../sessions/types.ts';
import { finishChannel } from '../ssh/finish-channel.ts';
import type { WindowSize } from '../ssh/types.ts';
import type { WsChannel } from './ws-channel.ts';

export interface Join {
  mode: 'attach' | 'watch';
  sessionId: string;
}

/** Joins `join` from the browser channel `ch` until the session or the page ends. */
export async function joinFromBrowser(ch: WsChannel, ctx: ConsoleContext, join: Join, size: WindowSize, onHandle: (h: AttachHandle) => void): Promise<void> {
  let s;
  try {
    s = await joinable(ctx, join.sessionId, join.mode);
  } catch (e) {
    const err = toPodgateError(e);
    emit(ctx.logger, { code: 'SESSION_JOIN_DENIED', connId: ctx.connId, user: ctx.user.name, mode: join.mode, sessionId: join.sessionId, errorCode: err.code, message: err.operatorMessage }, 'session join refused');
    await finishChannel(ch, 255, `podgate: ${err.userMessage}\r\n`);
    return;
  }
  const who = { log: ctx.logger, connId: ctx.connId, user: ctx.user.name };
  if (join.mode === 'attach') await resumeChannel(ch, s, size, { ...who, via: 'attach' }, onHandle);
  else await watchChannel(ch, s, size, who, onHandle);
}
