/**
 * The browser terminal (docs/web.md): one more way into a pod, not a second product. The
 * console's `web TARGET` prints a one-time link (LinkStore); opening it gives the browser a
 * session cookie (BrowserSessions) and the terminal page; the page's WebSocket becomes a
 * PodSession like an SSH session channel (runWebSession). Started by src/app.ts when
 * `web.listen` is set.
 */
import { mustParseListen } from '../config/listen.ts';
import { mayDo } from '../policy/index.ts';
import { emit } from '../events/emit.ts';
import type { WebLinkIssuer } from '../session/extensions.ts';
import { BrowserSessions } from './browser-sessions.ts';
import { LinkStore } from './links.ts';
import { startWebServer } from './server.ts';
import { runWebSession, type SessionDeps } from './web-session.ts';

export interface WebTerminal {
  issuer: WebLinkIssuer;
  stopAccepting(): void;
  close(): Promise<void>;
}

/** The origin browsers use: web.publicUrl, else the bound address (a loopback or named host). */
function originOf(publicUrl: string | undefined, tls: boolean, host: string, port: number): string {
  if (publicUrl !== undefined) return new URL(publicUrl).origin;
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startWebTerminal(deps: SessionDeps): Promise<WebTerminal> {
  const { config } = deps.current();
  const web = config.web;
  const listen = mustParseListen(web.listen!);
  const links = new LinkStore({ ttlSeconds: web.linkTtlSeconds, maxPendingPerUser: web.maxPendingLinksPerUser });
  const sessions = new BrowserSessions({ ttlSeconds: web.linkTtlSeconds });
  let origin = '';
  const server = await startWebServer({
    listen, web, origin: () => origin, penalties: config.limits.penalties, links, sessions, logger: deps.logger,
    mayStill: (grant) => {
      const user = deps.current().users.get(grant.user);
      return user !== undefined && mayDo(user, 'web').allowed;
    },
    onTerminal: (grant, ws, size, remoteAddress, done) => {
      void runWebSession(deps, grant, ws, size, remoteAddress).finally(done);
    },
  });
  origin = originOf(web.publicUrl, web.tls !== undefined, listen.host === '0.0.0.0' || listen.host === '::' ? server.address.host : listen.host, server.address.port);
  emit(deps.logger, { code: 'WEB_LISTENING', address: server.address.host, port: server.address.port, tls: web.tls !== undefined, publicUrl: origin }, `browser terminal on ${origin}`);
  return {
    issuer: {
      issue(req) {
        const { grant, token, expiresInSeconds } = links.issue({ user: req.user, target: req.target, command: req.command, ...(req.join ? { join: req.join } : {}) });
        emit(req.logger, { code: 'WEB_LINK_ISSUED', connId: req.connId, linkId: grant.id, user: req.user, target: req.target, command: req.command, expiresInSeconds }, 'browser link issued');
        return `${origin}/t/${token}`;
      },
    },
    stopAccepting: () => server.stopAccepting(),
    close: () => server.close(),
  };
}
