/**
 * What the channel plumbing (InboundGate, channelWritable, keepAlive) needs of a stream's
 * WebSocket: satisfied by `ws` (port-forward) and by WsClientSocket (exec).
 */
export interface StreamSocket {
  readonly readyState: number;
  /** Bytes queued for the socket and not yet written. */
  readonly bufferedAmount: number;
  send(data: Buffer, options: { binary: boolean }, cb?: (err?: Error | null) => void): void;
  ping(): void;
  pause(): void;
  resume(): void;
  terminate(): void;
  on(event: 'pong' | 'message', listener: () => void): this;
  once(event: 'close', listener: () => void): this;
}

/** WebSocket.OPEN in `ws` and in RFC 6455's readyState numbering. */
export const SOCKET_OPEN = 1;
