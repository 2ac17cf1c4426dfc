/**
 * The browser terminal's HTTP(S) listener (`web.listen`):
 *
 *   GET /t/TOKEN   redeems a one-time link: sets the session cookie and serves the terminal page
 *   GET /assets/*  xterm.js, its addons, the page's script and style
 *   GET /w/ID/ws   the terminal WebSocket: Origin must be web.publicUrl's, the cookie ID's
 *
 * Every refusal is a page with an HTTP 4xx status that says why (the error registry's words)
 * and one WEB_REFUSED audit event. A source whose requests keep being refused is penalised as
 * for SSH (limits.penalties, authfail seconds per refusal) and then gets 429 for a while.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { isIP, type AddressInfo, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { ListenAddress } from '../config/listen.ts';
import type { PenaltiesConfig, WebConfig } from '../config/types.ts';
import type { ErrorCode } from '../errors/codes.ts';
import { emit } from '../events/emit.ts';
import { addressSet, normalAddress, type AddressSet } from '../ssh/address-set.ts';
import { createPenalties } from '../ssh/penalties.ts';
import { keepAlive } from '../kube/ws-keepalive.ts';
import { loadAssets } from './assets.ts';
import type { BrowserSessions } from './browser-sessions.ts';
import { COOKIE, cookieValue, pageHeaders, sessionCookie } from './http-headers.ts';
import type { LinkGrant, LinkStore } from './links.ts';
import { refusalPage, terminalPage } from './pages.ts';
import { isSide } from './ws-channel.ts';
import type WebSocket from 'ws';

type Refusal = 'unknown-link' | 'used-link' | 'expired-link' | 'penalised' | 'bad-origin' | 'no-session' | 'session-used' | 'user-gone';

const REFUSALS: Record<Refusal, { status: number; code: ErrorCode }> = {
  'unknown-link': { status: 404, code: 'WEB_LINK_UNKNOWN' },
  'used-link': { status: 410, code: 'WEB_LINK_USED' },
  'expired-link': { status: 410, code: 'WEB_LINK_EXPIRED' },
  penalised: { status: 429, code: 'WEB_PENALISED' },
  'bad-origin': { status: 403, code: 'WEB_ORIGIN' },
  'no-session': { status: 403, code: 'WEB_SESSION' },
  'session-used': { status: 409, code: 'WEB_SESSION' },
  'user-gone': { status: 403, code: 'WEB_SESSION' },
};

export interface WebServerOptions {
  listen: ListenAddress;
  web: WebConfig;
  /** web.publicUrl's origin (or the one derived from the bound address). */
  origin: () => string;
  penalties: PenaltiesConfig;
  links: LinkStore;
  sessions: BrowserSessions;
  /** Whether user `name` still exists and may use the browser terminal. */
  mayStill: (grant: LinkGrant) => boolean;
  /** A claimed session's WebSocket: run its terminal. */
  onTerminal: (grant: LinkGrant, ws: WebSocket, size: { cols: number; rows: number }, remoteAddress: string, done: () => void) => void;
  logger: Logger;
}

export interface WebServer {
  address: ListenAddress;
  /** Stops accepting new connections (open terminals keep running). */
  stopAccepting(): void;
  /** Closes every connection. */
  close(): Promise<void>;
}

/**
 * The browser's address: the peer's, or, from a trusted ingress, the last X-Forwarded-For
 * entry (the one that ingress appended; anything before it is the client's own say-so).
 */
function sourceOf(req: IncomingMessage, proxies: AddressSet): string {
  const peer = normalAddress(req.socket.remoteAddress ?? '');
  const forwarded = req.headers['x-forwarded-for'];
  if (proxies.empty || !proxies.has(peer) || typeof forwarded !== 'string') return peer;
  const last = forwarded.split(',').pop()!.trim();
  return isIP(last) === 0 ? peer : normalAddress(last);
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const assets = loadAssets();
  const penalties = createPenalties(opts.penalties, addressSet(opts.penalties.exempt));
  const proxies = addressSet(opts.web.trustedProxies);
  const secureCookie = () => opts.origin().startsWith('https:');
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20, perMessageDeflate: false });

  const refuse = (source: string, why: Refusal, extra: { linkId?: string; user?: string; origin?: string | null } = {}): { status: number; body: string } => {
    emit(opts.logger, { code: 'WEB_REFUSED', remoteAddress: source, reason: why, ...extra }, 'browser request refused');
    if (why !== 'penalised') penalties.add(source, 'authfail');
    const { status, code } = REFUSALS[why];
    return { status, body: refusalPage(code) };
  };
  const send = (res: ServerResponse, status: number, body: string, extra = {}): void => {
    res.writeHead(status, pageHeaders(extra)).end(body);
  };

  const redeem = (req: IncomingMessage, res: ServerResponse, token: string, source: string): void => {
    const r = opts.links.redeem(token);
    if (!r.ok) {
      const page = refuse(source, r.reason, r.grant ? { linkId: r.grant.id, user: r.grant.user } : {});
      return send(res, page.status, page.body);
    }
    if (!opts.mayStill(r.grant)) {
      const page = refuse(source, 'user-gone', { linkId: r.grant.id, user: r.grant.user });
      return send(res, page.status, page.body);
    }
    const { id, cookie } = opts.sessions.create(r.grant);
    emit(opts.logger, { code: 'WEB_LINK_REDEEMED', linkId: r.grant.id, user: r.grant.user, remoteAddress: source }, 'browser link opened');
    send(res, 200, terminalPage({ id, user: r.grant.user, target: r.grant.target, command: r.grant.command }), { 'set-cookie': sessionCookie(cookie, id, secureCookie()) });
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    res.on('error', () => undefined);
    const source = sourceOf(req, proxies);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const asset = path.startsWith('/assets/') ? assets.get(path.slice('/assets/'.length)) : undefined;
    if (asset) {
      res.writeHead(200, { 'content-type': asset.type, 'content-length': asset.body.length, 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=3600' }).end(asset.body);
      return;
    }
    const link = /^\/t\/([^/]+)$/.exec(path);
    // A HEAD (a link checker, a preview) must not spend a link meant for a browser.
    if (link && req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (link) {
      if (penalties.refusedFor(source) > 0) {
        const page = refuse(source, 'penalised');
        return send(res, page.status, page.body, { 'retry-after': String(penalties.refusedFor(source)) });
      }
      return redeem(req, res, link[1], source);
    }
    // A reload of a terminal page (the page replaced its URL with /w/ID/): that session is over.
    if (/^\/w\/[0-9a-f]+\/$/.test(path)) return send(res, 410, refusalPage('WEB_SESSION', 'This terminal was opened already; a session ends with its page.'));
    if (path === '/') return send(res, 200, refusalPage('WEB_SESSION', 'Print a link with: ssh USER@bastion web TARGET'));
    send(res, 404, refusalPage('WEB_LINK_UNKNOWN', `Nothing here: ${path}`));
  };

  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    socket.on('error', () => undefined);
    const source = sourceOf(req, proxies);
    const fail = (status: number, body: string): void => {
      socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    if (penalties.refusedFor(source) > 0) {
      const page = refuse(source, 'penalised');
      return fail(page.status, page.body);
    }
    const url = new URL(req.url ?? '/', 'http://podgate.invalid');
    const m = /^\/w\/([0-9a-f]{16})\/ws$/.exec(url.pathname);
    const origin = req.headers.origin ?? null;
    // Cross-site WebSocket hijacking: a page of another site cannot open this socket, even
    // though the browser would send the cookie... SameSite=Strict and this check both say no.
    if (origin !== opts.origin()) {
      const page = refuse(source, 'bad-origin', { origin });
      return fail(page.status, page.body);
    }
    const claimed = m ? opts.sessions.claim(m[1], cookieValue(req.headers.cookie, COOKIE)) : { ok: false as const, reason: 'no-session' as const };
    if (!claimed.ok) {
      const page = refuse(source, claimed.reason, claimed.grant ? { linkId: claimed.grant.id, user: claimed.grant.user } : {});
      return fail(page.status, page.body);
    }
    const cols = Number(url.searchParams.get('cols'));
    const rows = Number(url.searchParams.get('rows'));
    const size = { cols: isSide(cols) ? cols : 80, rows: isSide(rows) ? rows : 24 };
    const id = m![1];
    wss.handleUpgrade(req, socket, head, (ws) => {
      // A tab that vanished without a close frame (a sleeping laptop, a dropped network) is
      // found by its missing pongs, and its session ends like a dropped SSH connection.
      keepAlive(ws, () => ws.isPaused);
      opts.onTerminal(claimed.grant, ws, size, source, () => opts.sessions.end(id));
    });
  };

  const server: Server = opts.web.tls
    ? createHttpsServer({ cert: readFileSync(opts.web.tls.cert), key: readFileSync(opts.web.tls.key) }, onRequest)
    : createHttpServer(onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_err, socket) => socket.destroy());
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    address: { host: addr.address, port: addr.port },
    stopAccepting: () => { server.close(); },
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => { server.close(() => r()); });
    },
  };
}
