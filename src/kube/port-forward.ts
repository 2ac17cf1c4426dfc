import { Duplex } from 'node:stream';
import WebSocket from 'ws';
import type { Logger } from 'pino';
import { PodgateError } from '../errors/index.ts';
import type { PortForwardRequest, PortStream } from './types.ts';
import type { ApiEndpoint } from './endpoint.ts';
import { PORT_FORWARD_PROTOCOL, decodeFrame, portPrefixStripper, toBuffer } from './channel-frames.ts';
import { sendFrame } from './channel-writable.ts';
import { InboundGate } from './inbound-gate.ts';
import { openWebSocket } from './ws-open.ts';
import { keepAlive } from './ws-keepalive.ts';
import { emit } from '../events/emit.ts';

/**
 * One forwarded TCP connection = one port-forward WebSocket (as kubectl does per
 * connection). Channel 0 carries data both ways, channel 1 the pod's error text; the server
 * prefixes the first frame of each with the port, which is stripped here.
 */
class KubePortStream implements PortStream {
  readonly socket: Duplex;
  readonly done: Promise<{ error?: PodgateError }>;
  readonly #ws: WebSocket;
  readonly #gate: InboundGate;
  readonly #stripData = portPrefixStripper();
  readonly #stripError = portPrefixStripper();
  #errorText = '';
  #closed = false;

  constructor(ws: WebSocket, private readonly req: PortForwardRequest, logger?: Logger) {
    this.#ws = ws;
    this.#gate = new InboundGate(ws);
    const duplex: Duplex = new Duplex({
      allowHalfOpen: false,
      readableHighWaterMark: 64 * 1024,
      writableHighWaterMark: 64 * 1024,
      read: () => this.#gate.wants(duplex),
      write: (chunk: Buffer, _enc, cb) => (chunk.length === 0 ? cb() : sendFrame(ws, 0, chunk, cb)),
      // v4 has no half-close: the local side's end ends the stream.
      final: (cb) => {
        if (ws.readyState === WebSocket.OPEN) ws.close(1000);
        cb();
      },
      destroy: (err, cb) => {
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
        cb(err);
      },
    });
    this.socket = duplex;
    duplex.on('error', (err) => emit(logger, { code: 'KUBE_PORTFORWARD_STREAM_ERROR', err: err.message }, 'port-forward stream error'));
    duplex.on('close', () => this.#gate.release(duplex));
    this.done = new Promise((resolve) => {
      ws.on('close', () => {
        this.#closed = true;
        if (!duplex.destroyed) duplex.push(null);
        this.#gate.release(duplex);
        const text = this.#errorText.trim();
        if (text === '') return resolve({});
        resolve({
          error: new PodgateError('API_ERROR', `port ${req.port} of pod ${req.pod} refused the connection`, {
            operatorMessage: `port-forward ${req.namespace}/${req.pod}:${req.port}: ${text}`,
          }),
        });
      });
    });
    ws.on('error', (err) => emit(logger, { code: 'KUBE_PORTFORWARD_WS_ERROR', err: err.message }, 'port-forward websocket error'));
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary) return;
      const frame = decodeFrame(toBuffer(data));
      if (!frame) return;
      if (frame.channel === 0) {
        const payload = this.#stripData(frame.payload);
        if (payload.length > 0) this.#gate.push(duplex, payload);
      } else if (frame.channel === 1) {
        this.#errorText += this.#stripError(frame.payload).toString('utf8');
        // The pod side failed (e.g. connection refused): this connection is over.
        if (this.#errorText.trim() !== '') ws.close(1000);
      }
    });
    keepAlive(ws, () => this.#gate.paused);
    ws.resume();
  }

  abort(): void {
    if (this.#closed) return;
    this.#ws.terminate();
    this.socket.destroy();
  }
}

export async function openPortForward(ep: ApiEndpoint, req: PortForwardRequest, timeoutMs: number, logger?: Logger): Promise<PortStream> {
  if (!Number.isInteger(req.port) || req.port < 1 || req.port > 65535) throw new TypeError('port must be 1..65535');
  const ws = await openWebSocket(ep, {
    path: `/api/v1/namespaces/${encodeURIComponent(req.namespace)}/pods/${encodeURIComponent(req.pod)}/portforward`,
    query: { ports: String(req.port) },
    identity: req.identity,
    protocols: [PORT_FORWARD_PROTOCOL],
    kind: 'portforward',
    what: `port-forward ${req.namespace}/${req.pod}:${req.port}`,
    timeoutMs,
  });
  return new KubePortStream(ws, req, logger);
}
