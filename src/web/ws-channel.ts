/**
 * A terminal WebSocket seen as a session channel (src/ssh/types.ts SessionChannel), so the
 * browser terminal runs through the same PodSession as an SSH session: policy, audit, timers,
 * reaping. The page's protocol is small: binary frames are terminal bytes both ways (stdout and
 * stderr share the PTY, as on an SSH terminal); text frames are JSON control messages, from the
 * page `{"type":"resize","cols":C,"rows":R}`, from podgate `{"type":"exit","code":N}`.
 *
 * Backpressure: a write completes when ws has handed the frame to the socket, so a slow browser
 * stops the exec's stdout; when the exec's stdin is full, podgate stops reading the WebSocket.
 */
import { Duplex, Writable } from 'node:stream';
import WebSocket from 'ws';
import type { SessionChannel, WindowSize } from '../ssh/types.ts';

/** Largest terminal the page may ask for (each side). */
const MAX_SIDE = 1000;

/** A resize message's size, or null for anything else. */
export function parseResize(text: string): WindowSize | null {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null) return null;
  const { type, cols, rows } = msg as Record<string, unknown>;
  if (type !== 'resize' || !isSide(cols) || !isSide(rows)) return null;
  return { cols, rows };
}

export function isSide(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_SIDE;
}

export class WsChannel extends Duplex implements SessionChannel {
  readonly stderr: Writable;
  readonly #ws: WebSocket;

  constructor(ws: WebSocket, onResize: (size: WindowSize) => void) {
    super({ allowHalfOpen: true });
    this.#ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        const size = parseResize(data.toString('utf8'));
        if (size) onResize(size);
        return;
      }
      if (!this.push(data)) ws.pause();
    });
    ws.on('error', () => { /* 'close' follows */ });
    ws.once('close', () => {
      this.push(null);
      this.destroy();
    });
    this.stderr = new Writable({ write: (chunk: Buffer, _enc, cb) => this.send(chunk, cb) });
    this.stderr.on('error', () => {});
    this.on('error', () => {});
  }

  override _read(): void {
    if (this.#ws.isPaused) this.#ws.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.send(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(1000, 'session ended');
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) this.#ws.close(1000, 'session ended');
    this.stderr.destroy();
    cb(err);
  }

  exit(code: number): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify({ type: 'exit', code }));
  }

  private send(chunk: Buffer, cb: (err?: Error | null) => void): void {
    if (chunk.length === 0 || this.#ws.readyState !== WebSocket.OPEN) return cb();
    // The frame's error (a closed socket) ends the session through 'close'; not the writer's.
    this.#ws.send(chunk, { binary: true }, () => cb());
  }
}
