/** HTTP upgrade helpers shared by exec and port-forward. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';

const chosen = new WeakMap<IncomingMessage, string>();

/** The `handleProtocols` the runtime's WebSocketServer uses: echoes what was negotiated. */
export function chosenProtocol(_offered: Set<string>, req: IncomingMessage): string | false {
  const p = chosen.get(req);
  return p === undefined || p === '' ? false : p;
}

export function upgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string, cb: (ws: WebSocket) => void): void {
  chosen.set(req, protocol);
  wss.handleUpgrade(req, socket, head, cb);
}

/** Answers an upgrade request with a plain-text HTTP error, as the kubelet's http.Error does. */
export function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  const reason = status === 400 ? 'Bad Request' : status === 500 ? 'Internal Server Error' : 'Error';
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
