/**
 * Joins a direct-tcpip channel to one pods/portforward stream, both ways with backpressure
 * (`pipe` pauses the faster side: ssh2 withholds window adjusts, the kube side pauses its
 * WebSocket). Ends propagate in both directions; portforward v4 has no half-close, so the
 * client's EOF ends the whole forwarded connection, as with kubectl port-forward.
 */
import type { Duplex } from 'node:stream';
import type { PodgateError } from '../errors/index.ts';
import type { PortStream } from '../kube/types.ts';

export interface BridgeResult {
  /** Bytes from the SSH client to the pod. */
  bytesIn: number;
  /** Bytes from the pod to the SSH client. */
  bytesOut: number;
  /** Set when the pod refused the port or the API stream failed. */
  error?: PodgateError;
}

export function bridgePort(channel: Duplex, port: PortStream): Promise<BridgeResult> {
  let bytesIn = 0;
  let bytesOut = 0;
  const sock = port.socket;
  // Once the pod side is over, the channel is ended and whatever the client still sends is
  // discarded: `pipe` stops reading when its destination closes, and a channel nobody reads
  // never emits 'end', so it would never close.
  const endChannel = (): void => {
    if (!channel.writableEnded) channel.end();
    channel.resume();
  };
  channel.on('error', () => port.abort());
  sock.on('error', endChannel);
  sock.on('close', endChannel);
  channel.pipe(sock);
  sock.pipe(channel);
  channel.on('data', (c: Buffer) => { bytesIn += c.length; });
  sock.on('data', (c: Buffer) => { bytesOut += c.length; });

  const channelClosed = new Promise<void>((resolve) => {
    channel.once('close', () => {
      // The client closed the channel (or the SSH connection dropped): the pod side goes too.
      port.abort();
      resolve();
    });
  });
  const portDone = port.done.then((r) => {
    // The pod side is over (its socket closed, the port was refused, the API dropped us).
    endChannel();
    return r;
  });
  return Promise.all([channelClosed, portDone]).then(([, r]) => ({ bytesIn, bytesOut, ...(r.error ? { error: r.error } : {}) }));
}
