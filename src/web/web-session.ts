/**
 * Starts the podgate session behind a browser terminal: the same PodSession an SSH session
 * channel gets (policy action `web`, audit with `via: web`, impersonation, target resolution,
 * idle and maximum times, shutdown and reload handling, reaping), fed by the WebSocket through
 * WsChannel instead of an SSH channel. The user is looked up in the config in force now: a
 * user removed, or whose `allow.web` was switched off, since the link was printed gets nothing.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import type { PodgateConfig, UserConfig } from '../config/types.ts';
import type { ClusterSet } from '../clusters/types.ts';
import type { ActiveSessions } from '../session/active-sessions.ts';
import type { Extensions, UserContext } from '../session/extensions.ts';
import { PodSession } from '../session/pod-session.ts';
import type { SessionReaper } from '../session/reaper-types.ts';
import type { WindowSize } from '../ssh/types.ts';
import { parseTarget } from '../target/grammar.ts';
import type { LinkGrant } from './links.ts';
import { WsChannel } from './ws-channel.ts';
import { joinFromBrowser, type Join } from './join.ts';
import type { SessionRegistry } from '../sessions/registry.ts';
import type { LingerPool } from '../sessions/linger.ts';
import type { AttachHandle } from '../sessions/types.ts';

/** What a browser session needs from the bastion (src/app.ts). */
export interface SessionDeps {
  /** The config and users in force (a reload replaces them). */
  current: () => { config: PodgateConfig; users: Map<string, UserConfig> };
  /** The clusters; a target names its own (docs/clusters.md), else the default. */
  clusters: ClusterSet;
  reaper: SessionReaper | undefined;
  extensions: Extensions;
  active: ActiveSessions;
  logger: Logger;
  /** Sessions that outlive a connection (src/sessions): browser sessions are live sessions too. */
  liveSessions?: SessionRegistry;
  lingering?: LingerPool;
}

/** Runs the terminal of `grant` on `ws` until either ends; resolves when the session is over (reaped). */
export function runWebSession(deps: SessionDeps, grant: LinkGrant, ws: WebSocket, size: WindowSize, remoteAddress: string): Promise<void> {
  const { config, users } = deps.current();
  const user = users.get(grant.user);
  const connId = `web-${randomBytes(6).toString('hex')}`;
  const logger = deps.logger.child({ connId, user: grant.user });
  if (!user) {
    ws.close(4403, 'user removed');
    return Promise.resolve();
  }
  logger.debug({ remoteAddress }, 'browser terminal connected');
  const userCtx: UserContext = {
    connId, user, identity: { user: user.kubernetes.user, groups: [...user.kubernetes.groups] },
    kube: deps.clusters.defaultCluster.kube, cluster: deps.clusters.defaultCluster.name, clusters: deps.clusters, config, logger,
    ...(deps.liveSessions ? { liveSessions: deps.liveSessions } : {}), ...(deps.lingering ? { lingering: deps.lingering } : {}),
  };
  if (grant.join) return joinWebSession(userCtx, grant.join, ws, size);
  const session = new PodSession({
    userCtx, target: parseTarget(grant.target), targetError: null, reaper: deps.reaper, extensions: deps.extensions, active: deps.active, via: 'web',
  });
  const channel = new WsChannel(ws, (s) => session.onWindowChange(s));
  // What an SSH client's terminal would ask for: a UTF-8 locale (through the same env
  // allow-list as SendEnv) and an xterm PTY of the browser window's size.
  session.onEnv('LANG', 'C.UTF-8');
  session.onPty({ term: 'xterm-256color', cols: size.cols, rows: size.rows, width: 0, height: 0 });
  channel.once('close', () => session.onClose());
  session.onStart(grant.command === null ? { type: 'shell' } : { type: 'exec', command: grant.command }, channel);
  return session.finished;
}

/**
 * `web --attach ID` / `--watch ID`: the page's WebSocket joins a live session (checked again
 * now, as the user, with the config in force). Resizes go to the session; closing the tab
 * detaches (attach) or stops watching, as closing an SSH client does.
 */
async function joinWebSession(userCtx: UserContext, join: Join, ws: WebSocket, size: WindowSize): Promise<void> {
  let handle: AttachHandle | null = null;
  const gone = new AbortController();
  const channel = new WsChannel(ws, (s) => handle?.resize(s));
  channel.once('close', () => {
    gone.abort();
    handle?.detach();
  });
  const ctx = {
    ...userCtx, sessionId: `${userCtx.connId}-join`, command: null, pty: { term: 'xterm-256color', cols: size.cols, rows: size.rows, width: 0, height: 0 },
    onResize: () => undefined, closed: gone.signal,
  };
  await joinFromBrowser(channel, ctx, join, size, (h) => {
    handle = h;
    if (gone.signal.aborted) h.detach();
  });
}
