/**
 * Wires one ssh2 server-side Connection to a ConnectionHandler: authentication (only
 * `publickey` is ever accepted; at most maxAuthTries failures, then disconnect), then session
 * and direct-tcpip channels. `none` probes (OpenSSH sends one first) are refused without
 * counting, as sshd does.
 */
import type { Connection } from 'ssh2';
import type { Logger } from 'pino';
import { wireSession } from './session-channel.ts';
import { sendUserauthBanner } from './userauth-banner.ts';
import type { AuthRequest, ConnectionControl, ConnectionHandler, DirectTcpipRequest } from './types.ts';

export interface WireConnectionOptions {
  maxAuthTries: number;
  /** Nested (jump-host) connections: pass `none` to the handler instead of refusing it. */
  acceptNone?: boolean;
  /** Starts a nested connection over a channel (ConnectionControl.tunnel). */
  tunnel: ConnectionControl['tunnel'];
  /** Called once authentication succeeded (the front door stops the login grace timer). */
  onAuthenticated(): void;
  /** Called for each rejected authentication attempt (per-source penalties). */
  onAuthFailure?(): void;
  /** Called when the client broke the protocol (a malformed packet; not a failed negotiation). */
  onProtocolError?(): void;
  /** Called once when the connection is gone, with why. */
  onClosed(reason: string): void;
  log: Logger;
}

/**
 * Ends the connection, and destroys the socket if the peer does not close its side soon: a
 * client that stopped (keepalive timeout) or misbehaves must not hold the connection half-open.
 */
export function endHard(client: Connection, graceMs = 2000): void {
  client.end();
  const sock = (client as unknown as { _sock?: { destroy(): void } })._sock;
  if (sock) setTimeout(() => sock.destroy(), graceMs).unref();
}

export function wireConnection(client: Connection, handler: ConnectionHandler, opts: WireConnectionOptions): void {
  let failures = 0;
  let username = '';
  let closeReason = 'client-closed';
  client.on('error', (err: Error & { level?: string }) => {
    closeReason = err.level === 'client-timeout' ? 'keepalive-timeout' : 'protocol-error';
    opts.log.debug({ err: err.message, level: err.level }, 'ssh connection error');
    if (err.level === 'protocol') opts.onProtocolError?.();
    // A peer that missed its keepalives is gone: waiting for it to close its side only delays
    // ending (and reaping) its sessions.
    endHard(client, err.level === 'client-timeout' ? 0 : 2000);
  });
  /** Sessions still open: told when the connection is gone (see wireSession). */
  const sessionsGone = new Set<() => void>();
  client.on('close', () => {
    for (const gone of [...sessionsGone]) gone();
    opts.onClosed(closeReason);
  });

  client.on('authentication', (ctx) => {
    if (ctx.method === 'none' && !opts.acceptNone) return ctx.reject(['publickey']);
    // Requests the client pipelined before the disconnect are refused unheard.
    if (failures >= opts.maxAuthTries) return ctx.reject([]);
    const req: AuthRequest = { username: ctx.username, method: ctx.method, tell: (text) => { sendUserauthBanner(client, text); } };
    if (ctx.method === 'publickey') {
      req.publicKey = { algo: ctx.key.algo, data: ctx.key.data };
      if (ctx.hashAlgo) req.publicKey.hashAlgo = ctx.hashAlgo;
      if (ctx.signature) req.publicKey.signature = ctx.signature;
      if (ctx.blob) req.publicKey.blob = ctx.blob;
    }
    let ok = false;
    try {
      ok = handler.authenticate(req);
    } catch (err) {
      opts.log.error({ err: (err as Error).message }, 'authenticate threw');
    }
    if (ok) {
      username = ctx.username;
      return ctx.accept();
    }
    failures++;
    opts.onAuthFailure?.();
    if (failures >= opts.maxAuthTries) {
      closeReason = 'too-many-auth-failures';
      ctx.reject([]);
      endHard(client);
      return;
    }
    ctx.reject(['publickey']);
  });

  client.on('ready', () => {
    opts.onAuthenticated();
    const authed = handler.onAuthenticated(username, { end: () => endHard(client), tunnel: opts.tunnel });
    client.on('session', (accept, reject) => {
      const session = authed.onSession();
      if (!session) return reject();
      wireSession(accept(), session, opts.log, sessionsGone);
    });
    const tcpip = authed.onDirectTcpip;
    if (tcpip) {
      client.on('tcpip', (accept, reject, info) => {
        const req: DirectTcpipRequest = { destIP: info.destIP, destPort: Number(info.destPort), srcIP: info.srcIP, srcPort: Number(info.srcPort) };
        tcpip(req, () => {
          const ch = accept();
          ch.on('error', (err: Error) => opts.log.debug({ err: err.message }, 'tcpip channel error'));
          return ch;
        }, () => reject());
      });
    }
  });
}
