/**
 * Adapts one ssh2 Session (a session channel before and after shell/exec/subsystem) to a
 * SessionHandler. OpenSSH sends `env` and `window-change` without want-reply, so ssh2 gives
 * no accept/reject for them: always `accept && accept()`.
 */
import type { Session } from 'ssh2';
import type { Logger } from 'pino';
import type { SessionChannel, SessionHandler } from './types.ts';

type Reply = (() => void) | undefined;

/** `connectionGone`: the connection's close callbacks; the session adds its own while open. */
export function wireSession(session: Session, handler: SessionHandler, log: Logger, connectionGone?: Set<() => void>): void {
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    connectionGone?.delete(close);
    handler.onClose();
  };
  // When the connection drops, ssh2 emits 'close' on a channel only once its input has been
  // read to the end: a session still setting up (nobody reads its channel yet) would never
  // hear of it, and would go on to open its exec for a client that is gone.
  connectionGone?.add(close);
  const answer = (ok: boolean, accept: Reply, reject: Reply): void => {
    if (ok) accept?.();
    else reject?.();
  };
  session.on('pty', (accept, reject, info) => {
    answer(handler.onPty({ term: info.term ?? '', cols: info.cols, rows: info.rows, width: info.width, height: info.height }), accept, reject);
  });
  session.on('window-change', (accept, _reject, info) => {
    handler.onWindowChange({ cols: info.cols, rows: info.rows });
    accept?.();
  });
  session.on('env', (accept, reject, info) => {
    const { key, val } = info;
    answer(handler.onEnv(String(key), String(val)), accept, reject);
  });
  // Signals (never sent by OpenSSH), X11 and agent forwarding are not served.
  session.on('signal', (_accept, reject) => reject?.());
  session.on('x11', (_accept, reject) => reject?.());
  session.on('auth-agent', (_accept, reject) => reject?.());
  const start = (ch: SessionChannel, s: Parameters<SessionHandler['onStart']>[0]): void => {
    ch.on('error', (err: Error) => log.debug({ err: err.message }, 'channel error'));
    ch.stderr.on('error', (err: Error) => log.debug({ err: err.message }, 'channel stderr error'));
    ch.once('close', close);
    handler.onStart(s, ch);
  };
  session.on('shell', (accept) => start(accept(), { type: 'shell' }));
  session.on('exec', (accept, _reject, info) => start(accept(), { type: 'exec', command: info.command }));
  session.on('subsystem', (accept, reject, info) => {
    if (!handler.canSubsystem(info.name)) return reject?.();
    start(accept(), { type: 'subsystem', name: info.name });
  });
  session.on('close', close);
}
