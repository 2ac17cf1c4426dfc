import { Readable, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from 'pino';
import { PodgateError } from '../errors/index.ts';
import type { ExecOutcome, ExecSession, TerminalSize } from './types.ts';
import { Channel, closeFrame, resizeFrame } from './channel-frames.ts';
import type { WsClientSocket } from './ws-client-socket.ts';
import { SOCKET_OPEN } from './stream-socket.ts';
import { channelWritable } from './channel-writable.ts';
import { InboundGate } from './inbound-gate.ts';
import { isCompleteStatus, outcomeFromStatus } from './exec-status.ts';
import { keepAlive } from './ws-keepalive.ts';
import { emit } from '../events/emit.ts';
import { ResizeCoalescer } from './resize-coalescer.ts';
import { OutputBatcher } from './output-batcher.ts';

/** After the status, how long the server gets to close the WebSocket before podgate does. */
const CLOSE_GRACE_MS = 2000;

export interface ExecStreamOptions {
  stdin: boolean;
  tty: boolean;
  size?: TerminalSize;
  logger?: Logger;
  /** Ping interval (tests shorten it). */
  keepAliveMs?: number;
}

/**
 * An exec over an open remotecommand WebSocket (v5 or v4). Output channels feed Readables
 * with backpressure; channel 3's Status becomes `done`; stdin's end sends v5 CLOSE.
 */
export class KubeExecSession implements ExecSession {
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  readonly stderr: Readable | null;
  readonly done: Promise<ExecOutcome>;
  /** The negotiated subprotocol; with v4 stdin EOF cannot reach the process. */
  readonly protocol: string;

  readonly #ws: WsClientSocket;
  readonly #gate: InboundGate;
  readonly #outBatch: OutputBatcher;
  readonly #errBatch: OutputBatcher | null;
  readonly #log: Logger | undefined;
  readonly #tty: boolean;
  #statusText = '';
  /** Channel 3 arrives in pieces that may split a UTF-8 character. */
  readonly #statusDecoder = new StringDecoder('utf8');
  #outcome: ExecOutcome | null = null;
  #outputEnded = false;
  #aborted = false;
  #graceTimer: NodeJS.Timeout | undefined;
  readonly #resizes = new ResizeCoalescer((size) => {
    if (this.#ws.readyState === SOCKET_OPEN) this.#ws.send(resizeFrame(size.cols, size.rows), { binary: true });
  });

  constructor(ws: WsClientSocket, opts: ExecStreamOptions) {
    this.#ws = ws;
    this.#gate = new InboundGate(ws);
    this.#log = opts.logger;
    this.#tty = opts.tty;
    this.protocol = ws.protocol;
    this.stdout = this.#output();
    this.stderr = opts.tty ? null : this.#output();
    this.stdin = opts.stdin ? this.#input() : null;
    const stdout = this.stdout;
    const stderr = this.stderr;
    this.#outBatch = new OutputBatcher((chunk) => this.#gate.push(stdout, chunk));
    this.#errBatch = stderr ? new OutputBatcher((chunk) => this.#gate.push(stderr, chunk)) : null;
    this.done = this.#whenDone();
    ws.sink = (channel, piece) => this.#onData(channel, piece);
    ws.on('close', (code: number) => this.#onClose(code));
    ws.on('error', (err) => emit(this.#log, { code: 'KUBE_EXEC_WS_ERROR', err: err.message }, 'exec websocket error'));
    if (opts.tty && opts.size) this.resize(opts.size);
    keepAlive(ws, () => this.#gate.paused, opts.keepAliveMs);
    ws.resume();
  }

  resize(size: TerminalSize): void {
    if (!this.#tty || this.#ws.readyState !== SOCKET_OPEN) return;
    this.#resizes.push(size);
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    if (this.#outcome === null) {
      this.#outcome = { error: new PodgateError('API_ERROR', undefined, { operatorMessage: 'exec aborted by podgate' }) };
    }
    this.#outBatch.clear();
    this.#errBatch?.clear();
    this.#ws.terminate();
    this.stdin?.destroy();
    this.stdout.destroy();
    this.stderr?.destroy();
  }

  #output(): Readable {
    const r: Readable = new Readable({
      highWaterMark: 64 * 1024,
      read: () => this.#gate.wants(r),
    });
    r.on('error', (err) => emit(this.#log, { code: 'KUBE_EXEC_STREAM_ERROR', err: err.message }, 'exec output stream error'));
    r.on('close', () => this.#gate.release(r));
    return r;
  }

  #input(): Writable {
    const w = channelWritable({
      ws: this.#ws,
      channel: Channel.stdin,
      onFinish: () => {
        if (this.#ws.readyState !== SOCKET_OPEN) return;
        if (this.protocol === 'v5.channel.k8s.io') this.#ws.send(closeFrame(Channel.stdin), { binary: true });
        else emit(this.#log, { code: 'KUBE_EXEC_NO_STDIN_CLOSE', protocol: this.protocol }, 'server speaks no v5: stdin EOF not sent');
      },
    });
    w.on('error', (err) => emit(this.#log, { code: 'KUBE_EXEC_STREAM_ERROR', err: err.message }, 'exec stdin stream error'));
    return w;
  }

  /** A piece of a channel message (a slice of what the socket read, not to be modified). */
  #onData(channel: number, payload: Buffer): void {
    switch (channel) {
      case Channel.stdout:
        this.#outBatch.add(payload);
        break;
      case Channel.stderr:
        // Under a TTY the runtime merges stderr; if a server sends it anyway, keep the bytes.
        (this.#errBatch ?? this.#outBatch).add(payload);
        break;
      case Channel.error:
        this.#statusText += this.#statusDecoder.write(payload);
        if (this.#outcome === null && isCompleteStatus(this.#statusText)) {
          this.#outcome = outcomeFromStatus(this.#statusText);
          // The status is the last thing a server sends: end the output now, and close
          // ourselves if the server does not.
          this.#endOutput();
          this.#graceTimer = setTimeout(() => this.#ws.close(1000), CLOSE_GRACE_MS);
          this.#graceTimer.unref();
        }
        break;
      default:
        break;
    }
  }

  #onClose(code: number): void {
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#resizes.stop();
    if (this.#outcome === null && this.#statusText.trim() !== '') this.#outcome = outcomeFromStatus(this.#statusText);
    if (this.#outcome === null) {
      this.#outcome = {
        error: new PodgateError('API_ERROR', 'the exec stream closed without an exit status', {
          operatorMessage: `exec: stream closed without status (websocket close ${code})`,
        }),
      };
    }
    this.#endOutput();
    this.stdin?.destroy();
  }

  #endOutput(): void {
    if (this.#outputEnded) return;
    this.#outputEnded = true;
    this.#outBatch.flush();
    this.#errBatch?.flush();
    for (const r of [this.stdout, this.stderr]) {
      if (!r || r.destroyed) continue;
      r.push(null);
      this.#gate.release(r);
    }
  }

  #whenDone(): Promise<ExecOutcome> {
    const ended = (r: Readable | null): Promise<void> =>
      new Promise((resolve) => {
        if (!r || r.readableEnded || r.destroyed) return resolve();
        r.once('end', () => resolve());
        r.once('close', () => resolve());
      });
    return Promise.all([ended(this.stdout), ended(this.stderr)]).then(() => {
      return this.#outcome ?? { error: new PodgateError('API_ERROR', undefined, { operatorMessage: 'exec: output ended without outcome' }) };
    });
  }
}
