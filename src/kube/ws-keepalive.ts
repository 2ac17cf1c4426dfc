import { SOCKET_OPEN, type StreamSocket } from './stream-socket.ts';

const KEEPALIVE_INTERVAL_MS = 30_000;

/**
 * Pings an open stream WebSocket every `intervalMs` (client-go pings every 5 s) so idle
 * interactive sessions survive load balancers' idle timeouts, and terminates it when no pong
 * came for two intervals, so a dead API connection ends the session instead of hanging it.
 * While `isPaused()` (podgate stopped reading for backpressure) pongs cannot be read, so
 * silence then proves nothing and is not held against the peer.
 */
export function keepAlive(ws: StreamSocket, isPaused: () => boolean, intervalMs = KEEPALIVE_INTERVAL_MS): void {
  let lastHeard = Date.now();
  const heard = (): void => {
    lastHeard = Date.now();
  };
  ws.on('pong', heard);
  ws.on('message', heard);
  const silent = (): boolean => !isPaused() && Date.now() - lastHeard > 2 * intervalMs;
  const timer = setInterval(() => {
    if (ws.readyState !== SOCKET_OPEN) return;
    if (isPaused()) lastHeard = Date.now();
    if (!silent()) {
      ws.ping();
      return;
    }
    // Timers run before I/O in an event-loop turn: after a stalled loop a pong may be waiting
    // unread. Decide after this turn's I/O (setImmediate), not on the stale view.
    setImmediate(() => {
      if (ws.readyState !== SOCKET_OPEN) return;
      if (silent()) ws.terminate();
      else ws.ping();
    });
  }, intervalMs);
  timer.unref();
  ws.once('close', () => clearInterval(timer));
}
