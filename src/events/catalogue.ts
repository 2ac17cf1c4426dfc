/**
 * The catalogue of audit events: every `code` podgate emits, with its log level, its fields
 * (typed: an emission site with a wrong code or a missing field fails `tsc`) and what it means.
 * docs/events.md is rendered from this table (src/events/docs-table.ts; a test keeps the two in
 * step). Events are emitted once (src/events/emit.ts); the audit log, the metrics and readiness
 * subscribe. To add an event, add an entry here and a row to docs/events.md; never reuse a
 * retired code.
 */
import { END_REASONS } from './end-reasons.ts';
import { f } from './field.ts';

export type EventLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface EventSpec {
  /** Log level, or a function of the event's fields (e.g. warn only when a reap failed). */
  readonly level: EventLevel | ((fields: Record<string, unknown>) => EventLevel);
  /** For a level that depends on the fields: when which (for docs/events.md). */
  readonly levelDoc?: string;
  /** What it means, for the operator reading the log. */
  readonly summary: string;
  readonly fields: Record<string, { readonly doc: string; readonly optional: boolean }>;
}

const conn = { connId: f.str('connection id (one per TCP connection)') };
const target = {
  cluster: f.opt(f.str('cluster (docs/clusters.md; `default` in the single-cluster form)')),
  namespace: f.strOrNull('pod namespace'),
  pod: f.strOrNull('pod name'),
};
const kubeError = { err: f.str('the transport error message') };
const startupError = { errorCode: f.opt(f.str('error registry code (docs/errors.md)')), message: f.opt(f.str('operator text')), err: f.opt(f.any('the error')) };
const sessionWhat = {
  ...conn,
  sessionId: f.str('session id (also the reaper marker)'),
  user: f.str('podgate user'),
  identity: f.any('Kubernetes identity impersonated: {user, groups}'),
  ...target,
  container: f.strOrNull('container name'),
  command: f.strOrNull('command, `subsystem:NAME`, or null for a shell'),
  pty: f.bool('whether a PTY was requested'),
  action: f.opt(f.str('the policy action (`exec`, `shell`, `sftp`, `scp`; docs/policy.md)')),
  via: f.opt(f.str('`web` for a browser terminal session (absent: SSH)')),
};

export const EVENTS = {
  SERVER_LISTENING: { level: 'info', summary: 'The SSH listener is up (the test helpers wait for this line).', fields: { address: f.str('bound address'), port: f.num('bound port') } },
  METRICS_LISTENING: { level: 'info', summary: 'The metrics and health listener is up.', fields: { address: f.str('bound address'), port: f.num('bound port') } },
  STARTING: {
    level: 'info',
    summary: 'The first line of every run: what runs.',
    fields: { version: f.str('podgate version'), commit: f.str('git commit it was built from, or `unknown`'), node: f.str('Node.js version') },
  },
  CONFIG_LOADED: { level: 'info', summary: 'The config file was read and is valid.', fields: { file: f.str('config path'), users: f.num('number of users'), listen: f.str('SSH listen address') } },
  CONFIG_RELOADED: {
    level: 'info',
    summary: 'A changed config was applied without a restart (SIGHUP or file change).',
    fields: { file: f.str('config path'), trigger: f.str('`SIGHUP` or `file-change`'), users: f.num('number of users'), added: f.any('users added'), removed: f.any('users removed'), changed: f.any('users whose settings changed') },
  },
  CONFIG_RELOAD_FAILED: {
    level: 'error',
    summary: 'A changed config was refused (invalid, or a change that needs a restart); the old config stays in force.',
    fields: { file: f.str('config path'), trigger: f.str('`SIGHUP` or `file-change`'), errors: f.any('what is wrong, one text per problem') },
  },
  CONFIG_KEY_IGNORED: { level: 'warn', summary: 'A public key or CA line in the config cannot be used and is skipped.', fields: { user: f.str('user (or `userCAs`)'), line: f.num('line number'), reason: f.str('why') } },
  STARTUP_FAILED: { level: 'error', summary: 'podgate cannot start (bad host keys, kubeconfig, listen address...).', fields: startupError },
  SIGNAL: { level: 'info', summary: 'A stop signal arrived: no new connections, sessions get a grace period.', fields: { signal: f.str('signal name'), graceMs: f.num('grace period'), connections: f.num('connections open') } },
  SHUTDOWN: { level: 'info', summary: 'The bastion is closing: users are told, sessions drain.', fields: { sessions: f.num('sessions running'), graceMs: f.num('grace period') } },
  SHUTDOWN_FORCED: { level: 'warn', summary: 'A second signal: stopping now.', fields: { signal: f.str('signal name') } },
  SHUTDOWN_DONE: { level: 'info', summary: 'Stopped cleanly.', fields: {} },
  RECOVERED: { level: 'info', summary: 'Processes left by a previous podgate (its journal) were reaped.', fields: { sessions: f.num('sessions reaped') } },
  RECOVER_FAILED: { level: 'warn', summary: 'Could not reap what a previous podgate left.', fields: { err: f.any('the error') } },
  API_PROBE: {
    level: (e) => (e.ok === true ? 'info' : 'warn'),
    levelDoc: 'info when ok, else warn',
    summary: 'The periodic Kubernetes API probe changed state (logged on change only); readiness follows it.',
    fields: {
      ok: f.bool('whether the API answered'), errorCode: f.opt(f.str('error registry code when not')), message: f.opt(f.str('operator text when not')), latencyMs: f.num('probe time'),
      cluster: f.opt(f.str('the cluster probed (docs/clusters.md)')), isDefault: f.opt(f.bool('whether it is the default cluster (readiness follows only that one)')),
    },
  },
  EVENT_LOOP_STALLED: {
    level: 'error',
    summary: 'The event loop lagged beyond `health.maxEventLoopLagMs`; /healthz fails until it recovers.',
    fields: { lagMs: f.num('measured lag'), maxMs: f.num('the bound') },
  },
  AUTH_ATTEMPT: {
    level: 'info',
    summary: 'One signed authentication attempt (a key query is not one).',
    fields: {
      ...conn,
      remoteAddress: f.str('client address'),
      user: f.str('user name as typed'),
      method: f.str('SSH auth method'),
      result: f.oneOf('outcome', ['accepted', 'rejected']),
      fingerprint: f.opt(f.strOrNull('SHA256 key fingerprint')),
      reason: f.opt(f.str('why (for a rejection)')),
      certificate: f.opt(f.any('certificate key id, serial, CA fingerprint')),
      outerConnId: f.opt(f.str('the outer connection of a jump\'s nested one')),
    },
  },
  CONNECTION_CLOSED: {
    level: (e) => (e.reason === 'unauthenticated-limit' || e.reason === 'unauthenticated-preempted' ? 'warn' : 'info'),
    levelDoc: 'warn for unauthenticated-limit and unauthenticated-preempted, else info',
    summary: 'An SSH connection ended.',
    fields: {
      ...conn,
      reason: f.str('why (client, login-grace-timeout, queue-timeout, unauthenticated-preempted, ...)'),
      remoteAddress: f.opt(f.str('client address (before authentication)')),
      outerConnId: f.opt(f.str('the outer connection of a jump\'s nested one')),
      nested: f.opt(f.bool('true for a nested (`ssh -J`) connection')),
      by: f.opt(f.str('the source that pre-empted it')),
    },
  },
  CONNECTION_QUEUED: {
    level: 'debug',
    summary: 'A new connection waits, accepted but silent, for an unauthenticated handshake slot.',
    fields: { ...conn, remoteAddress: f.str('client address'), queued: f.num('connections waiting') },
  },
  CONNECTION_REFUSED: {
    level: 'warn',
    summary: 'A connection was refused before authentication (penalty, full queue, random early drop, nested limit, PROXY protocol).',
    fields: {
      ...conn,
      remoteAddress: f.str('client address'),
      reason: f.str('`penalty`, `queue-full`, `queue-full-per-source`, `random-early-drop`, `nested-limit`, `proxy-untrusted`, `proxy-header-missing`, `proxy-header-invalid`, `proxy-header-timeout`'),
      retryAfterSeconds: f.opt(f.num('penalty time left')),
      queued: f.opt(f.num('connections waiting')),
      outerConnId: f.opt(f.str('outer connection (nested-limit)')),
      limit: f.opt(f.num('the limit (nested-limit)')),
      detail: f.opt(f.str('what was wrong with a PROXY header')),
    },
  },
  PROXY_HEADER: {
    level: 'debug',
    summary: 'A trusted load balancer sent a PROXY protocol header; its client address is used from here on.',
    fields: { ...conn, proxy: f.str('the load balancer\'s address'), version: f.any('PROXY protocol version'), remoteAddress: f.str('the client address it carries') },
  },
  SOURCE_PENALISED: {
    level: 'warn',
    summary: 'A source address accrued enough penalty time to be refused for a while (sshd PerSourcePenalties).',
    fields: { ...conn, remoteAddress: f.str('source address'), event: f.str('`authfail`, `noauth`, `grace-exceeded`, `crash`'), seconds: f.num('refused for'), outerConnId: f.opt(f.str('outer connection of a nested one')), nested: f.opt(f.bool('nested connection')) },
  },
  PENALTY_ACCRUED: {
    level: 'debug',
    summary: 'A source address accrued penalty time, not yet enough to be refused.',
    fields: { ...conn, remoteAddress: f.str('source address'), event: f.str('why'), seconds: f.num('accrued') },
  },
  PENALTY_TABLE_FULL: {
    level: 'warn',
    summary: 'The penalty table is full (limits.penalties.maxSources): a penalty was not recorded.',
    fields: { remoteAddress: f.str('source address'), event: f.str('why') },
  },
  SSH_NEGOTIATION_FAILED: {
    level: 'warn',
    summary: 'Key exchange failed: no common algorithm. Both offers are logged, as sshd\'s "Unable to negotiate ... Their offer:".',
    fields: {
      ...conn,
      remoteAddress: f.str('client address'),
      remotePort: f.num('client port'),
      clientVersion: f.opt(f.strOrNull('client identification string')),
      category: f.str('`kex`, `hostKey`, `cipher`, `mac` or `compress`'),
      clientOffer: f.any('what the client offered'),
      serverOffer: f.any('what podgate offered'),
    },
  },
  SESSION_START: { level: 'info', summary: 'A session started in a pod.', fields: sessionWhat },
  SESSION_END: {
    level: 'info',
    summary: 'A session ended.',
    fields: {
      ...sessionWhat,
      exitCode: f.numOrNull('exit status, null when none'),
      bytesIn: f.num('bytes from the client'),
      bytesOut: f.num('bytes to the client'),
      durationMs: f.num('duration'),
      reason: f.oneOf('why', END_REASONS),
    },
  },
  SESSION_DENIED: {
    level: 'info',
    summary: 'A session was refused before it started.',
    fields: { connId: f.any('connection id'), user: f.str('podgate user'), action: f.opt(f.strOrNull('the policy action, null before one is known')), target: f.strOrNull('target as typed'), command: f.strOrNull('command'), errorCode: f.str('error registry code'), message: f.str('operator text'), via: f.opt(f.str('`web` for the browser terminal')) },
  },
  LIMIT_REFUSED: {
    level: 'warn',
    summary: 'A request was refused by a per-session or per-connection limit (env, session channels, SFTP handles/in-flight/paths, file streams); repeats are counted in one line at the end.',
    fields: { connId: f.opt(f.str('connection id')), sessionId: f.opt(f.str('session id')), user: f.opt(f.str('user')), limit: f.str('the `limits.*` key'), value: f.opt(f.num('the limit')), refused: f.num('refusals so far') },
  },
  SFTP_PROTOCOL_ERROR: {
    level: 'warn',
    summary: 'An SFTP client broke the protocol on the container sftp-server path (e.g. reused an outstanding request id); the session was ended.',
    fields: { sessionId: f.str('session id') },
  },
  JOURNAL_ENTRY_REJECTED: {
    level: 'warn',
    summary: 'A crash-journal entry no longer matches the config (user gone, identity or namespace changed, malformed): it is dropped, not reaped.',
    fields: { sessionId: f.any('session id as found'), user: f.strOrNull('podgate user in the entry'), ...target, reason: f.str('why it is not trusted') },
  },
  SESSION_ERROR: { level: 'warn', summary: 'A running session failed.', fields: { sessionId: f.str('session id'), errorCode: f.str('error registry code'), message: f.str('operator text') } },
  INTERNAL: { level: 'error', summary: 'A bug: an unexpected exception in a session.', fields: { sessionId: f.str('session id'), err: f.str('message') } },
  REAP: {
    level: (e) => (e.outcome === 'failed' ? 'warn' : 'info'),
    levelDoc: 'warn when failed, else info',
    summary: 'The processes a session started were ended (or found gone).',
    fields: {
      sessionId: f.str('session id'),
      ...target,
      container: f.strOrNull('container'),
      found: f.num('processes found'),
      pids: f.any('their pids'),
      outcome: f.oneOf('what it took', ['none', 'term', 'kill', 'failed']),
      durationMs: f.num('time to a clean container'),
      reason: f.any('why the reap ran'),
      attempts: f.opt(f.num('tries when more than one')),
      marker: f.opt(f.str('marker state when not found')),
      error: f.opt(f.str('what failed')),
    },
  },
  FILE_OP: { level: 'info', summary: 'One SFTP/scp operation.', fields: { sessionId: f.opt(f.str('session id')), op: f.str('operation'), path: f.opt(f.any('path(s)')), result: f.str('outcome') } },
  FORWARD_OPEN: { level: 'info', summary: 'A port forward was opened.', fields: { ...conn, forwardId: f.str('forward id'), user: f.str('user'), host: f.str('destination host'), port: f.num('destination port'), ...target, result: f.str('`opened`') } },
  FORWARD_END: {
    level: 'info',
    summary: 'A port forward ended.',
    fields: { ...conn, forwardId: f.str('forward id'), user: f.str('user'), host: f.str('host'), port: f.num('port'), ...target, bytesIn: f.num('bytes from the client'), bytesOut: f.num('bytes to the client'), durationMs: f.num('duration'), result: f.str('`closed` or `refused`'), message: f.opt(f.str('user text')), detail: f.opt(f.str('operator text')) },
  },
  FORWARD_DENIED: {
    level: 'info',
    summary: 'A port forward was refused.',
    fields: { ...conn, forwardId: f.str('forward id'), user: f.str('user'), host: f.str('host'), port: f.num('port'), ...target, target: f.strOrNull('target as typed'), result: f.str('stage'), errorCode: f.str('error registry code'), message: f.str('user text'), detail: f.str('operator text') },
  },
  CONSOLE_COMMAND: { level: 'info', summary: 'A console command ran.', fields: { ...conn, user: f.str('user'), command: f.str('command'), args: f.any('arguments'), result: f.str('outcome') } },
  CONSOLE_LOGS_END: { level: 'info', summary: 'A console log stream ended.', fields: { sessionId: f.str('session id'), ...target, container: f.strOrNull('container'), bytesOut: f.num('bytes sent') } },
  CONSOLE_NAMESPACES_UNLISTED: { level: 'warn', summary: 'The console cannot list namespaces; it uses the default one.', fields: { err: f.str('message') } },
  KUBE_EXEC_WS_ERROR: { level: 'debug', summary: 'An exec WebSocket failed (counted in podgate_api_errors_total).', fields: kubeError },
  KUBE_EXEC_STREAM_ERROR: { level: 'debug', summary: 'An exec stream failed (counted in podgate_api_errors_total).', fields: kubeError },
  KUBE_EXEC_NO_STDIN_CLOSE: { level: 'debug', summary: 'The API server speaks no v5 exec protocol: stdin EOF cannot be sent.', fields: { protocol: f.any('negotiated protocol') } },
  KUBE_LOGS_ERROR: { level: 'debug', summary: 'A log request failed after it was answered (counted in podgate_api_errors_total).', fields: kubeError },
  KUBE_LOGS_STREAM_ERROR: { level: 'debug', summary: 'A log stream failed (counted in podgate_api_errors_total).', fields: kubeError },
  KUBE_PORTFORWARD_STREAM_ERROR: { level: 'debug', summary: 'A port-forward stream failed (counted in podgate_api_errors_total).', fields: kubeError },
  KUBE_PORTFORWARD_WS_ERROR: { level: 'debug', summary: 'A port-forward WebSocket failed (counted in podgate_api_errors_total).', fields: kubeError },
  SSH_PACKET_POOL: { level: 'debug', summary: 'Whether ssh2 AES-GCM packets come from pooled slabs.', fields: { enabled: f.bool('pooled') } },
  // --- several clusters and access that expires (docs/clusters.md) ---
  ACCESS_EXPIRED: {
    level: 'info',
    summary: 'A user\'s access expired (users[].expires or the certificate\'s valid-before) while connected: the login\'s sessions end with a line saying so, then the connection closes.',
    fields: { ...conn, user: f.str('podgate user'), expiredAt: f.str('the expiry (RFC 3339)'), source: f.oneOf('which expiry', ['config', 'certificate']), sessions: f.num('sessions ended') },
  },
  // --- recordings (docs/recordings.md) ---
  RECORDING_START: {
    level: 'info',
    summary: 'A PTY session is being recorded (asciicast v2).',
    fields: { sessionId: f.str('session id (the recording is `<dir>/<sessionId>.cast`)'), user: f.str('podgate user'), path: f.str('the recording file'), input: f.bool('whether keystrokes are recorded') },
  },
  RECORDING_END: {
    level: 'info',
    summary: 'A recording was closed (flushed and synced).',
    fields: { sessionId: f.str('session id'), path: f.str('the recording file'), bytes: f.num('bytes in the file'), events: f.num('events written'), droppedEvents: f.num('events dropped because the disk did not keep up'), durationMs: f.num('time recorded') },
  },
  RECORDING_DROPPED: {
    level: 'warn',
    summary: 'The disk does not keep up with a session: its recording drops events (its buffer is bounded) until the writes catch up. Logged once per episode.',
    fields: { sessionId: f.str('session id'), path: f.str('the recording file'), pendingBytes: f.num('bytes waiting for the disk') },
  },
  RECORDING_FAILED: {
    level: 'error',
    summary: 'A recording could not be created or written; the session goes on unrecorded from there.',
    fields: { sessionId: f.str('session id'), path: f.str('the recording file'), err: f.str('the error') },
  },
  RECORDING_DELETED: {
    level: 'info',
    summary: 'Retention deleted a recording (`recordings.maxAgeDays`, `recordings.maxBytes`).',
    fields: { path: f.str('the recording file'), bytes: f.num('its size'), reason: f.oneOf('which rule', ['max-age', 'max-bytes']), ageDays: f.num('days since it was last written') },
  },
  RECORDING_RETENTION_FAILED: {
    level: 'warn',
    summary: 'Retention could not list or delete recordings; it tries again at its next run.',
    fields: { path: f.str('the directory or file'), err: f.str('the error') },
  },
  RECORDING_PLAYED: {
    level: 'info',
    summary: 'A user played a recording (`play ID`).',
    fields: { ...conn, user: f.str('podgate user who plays it'), recording: f.str('recording (session) id'), owner: f.strOrNull('podgate user it recorded'), as: f.oneOf('why allowed', ['owner', 'allow.recordings']), speed: f.num('speed multiplier'), pty: f.bool('played with timing on a PTY (else printed raw)') },
  },
  // --- end of recordings events ---
  // --- sessions that outlive a connection: detach, attach, resume, watch, linger (docs/sessions.md) ---
  SESSION_DETACH: {
    level: 'info',
    summary: 'A PTY session lost its client and is detached: its processes keep running for the grace, resumable with `attach ID`.',
    fields: { sessionId: f.str('session id'), user: f.str('podgate user'), ...target, container: f.strOrNull('container'), graceSeconds: f.num('seconds until it is ended if nobody attaches') },
  },
  SESSION_ATTACH: {
    level: 'info',
    summary: 'A client attached to a live session (`attach ID`, or `sessions.resume: auto`).',
    fields: { ...conn, sessionId: f.str('session id'), user: f.str('podgate user'), ...target, container: f.strOrNull('container'), via: f.oneOf('how', ['attach', 'resume']), took: f.bool('whether another client was attached (it was let go)') },
  },
  SESSION_GRACE_EXPIRED: {
    level: 'info',
    summary: 'Nobody came back within `sessions.detachGraceSeconds`: the detached session, or the lingering processes of a dropped connection, are ended and reaped.',
    fields: { sessionId: f.str('session id'), user: f.str('podgate user'), ...target, container: f.strOrNull('container'), kind: f.oneOf('what expired', ['detached', 'linger']) },
  },
  SESSION_WATCH_START: {
    level: 'info',
    summary: 'Someone started watching a live session (read-only).',
    fields: { ...conn, sessionId: f.str('session id'), watcher: f.str('podgate user watching'), owner: f.str('podgate user whose session it is'), ...target, container: f.strOrNull('container') },
  },
  SESSION_WATCH_END: {
    level: 'info',
    summary: 'A watcher stopped watching.',
    fields: { ...conn, sessionId: f.str('session id'), watcher: f.str('podgate user watching'), owner: f.str('podgate user whose session it is'), durationMs: f.num('how long'), why: f.str('`left`, `ended`, `exit`, `dropped`') },
  },
  SESSION_JOIN_DENIED: {
    level: 'info',
    summary: 'An `attach` or `watch` was refused (unknown id, not the owner, policy or RBAC).',
    fields: { ...conn, user: f.str('podgate user asking'), mode: f.oneOf('what was asked', ['attach', 'watch']), sessionId: f.str('the id as typed'), errorCode: f.str('error registry code'), message: f.str('operator text') },
  },
  SESSION_LINGER: {
    level: 'info',
    summary: 'A non-PTY session\'s connection dropped: its processes linger for the grace instead of being reaped, for the same user\'s next connection to that container to adopt.',
    fields: { sessionId: f.str('session id'), user: f.str('podgate user'), ...target, container: f.strOrNull('container'), graceSeconds: f.num('seconds until they are reaped') },
  },
  PROCESSES_ADOPTED: {
    level: 'info',
    summary: 'A new connection of the same user to the same container adopted lingering processes: they are reaped when it ends (after its own grace), not before.',
    fields: { ...conn, sessionId: f.str('the adopting session'), adopted: f.any('session ids whose processes were adopted'), user: f.str('podgate user'), ...target, container: f.strOrNull('container') },
  },
  // --- end of sessions events ---
  // --- the browser terminal (docs/web.md); tokens and cookies are never logged ---
  WEB_LISTENING: { level: 'info', summary: 'The browser terminal\'s HTTP(S) listener is up.', fields: { address: f.str('bound address'), port: f.num('bound port'), tls: f.bool('whether it serves HTTPS itself'), publicUrl: f.str('what browsers see') } },
  WEB_LINK_ISSUED: {
    level: 'info',
    summary: 'A one-time browser link was printed for a user (`ssh USER@bastion web TARGET`).',
    fields: { ...conn, linkId: f.str('link id (not the token)'), user: f.str('podgate user'), target: f.str('target as typed'), command: f.strOrNull('command, null for a shell'), expiresInSeconds: f.num('seconds the link may be opened in') },
  },
  WEB_LINK_REDEEMED: {
    level: 'info',
    summary: 'A browser opened a link and got its session cookie.',
    fields: { linkId: f.str('link id'), user: f.str('podgate user'), remoteAddress: f.str('browser address') },
  },
  WEB_REFUSED: {
    level: 'warn',
    summary: 'A browser request was refused: an unknown, used or expired link, a wrong Origin or cookie on the WebSocket, a penalised source.',
    fields: {
      remoteAddress: f.str('browser address'),
      reason: f.oneOf('why', ['unknown-link', 'used-link', 'expired-link', 'penalised', 'bad-origin', 'no-session', 'session-used', 'user-gone']),
      linkId: f.opt(f.str('link id, when the link was known')),
      user: f.opt(f.str('podgate user, when known')),
      origin: f.opt(f.strOrNull('the Origin header (bad-origin)')),
    },
  },
  // --- end of the browser terminal ---
  // Sessions across replicas (docs/replicas.md).
  REPLICA_RELAY_LISTENING: { level: 'info', summary: 'The internal relay listener for other replicas is up (replicas.listen).', fields: { address: f.str('bound address'), port: f.num('bound port') } },
  REPLICA_RELAY_ERROR: { level: 'error', summary: 'The relay listener failed.', fields: { err: f.str('the error message') } },
  REPLICA_RELAY_REFUSED: { level: 'warn', summary: 'A relay connection was refused before any request was served: failed authentication (wrong secret), a malformed hello or request, a timeout, or the pending/connection limits.', fields: { source: f.str('peer address'), reason: f.str('why') } },
  REPLICA_RELAY_ATTACH: {
    level: 'info',
    summary: 'An attach, watch or resume went through the relay: `side` front (this replica asked the holder) or holder (this replica holds the session).',
    fields: { side: f.str('`front` or `holder`'), peer: f.str('the other replica (advertise address)'), user: f.str('podgate user'), sessionId: f.str('session id'), op: f.str('`attach`, `watch` or `resume` (`sessions.resume: auto`)'), result: f.str('`accepted`, `ended`, or the error code') },
  },
  REPLICA_LEASE_ERROR: { level: 'warn', summary: 'Publishing, renewing, updating or removing the Lease of a live session failed (the session stays reachable on this replica; other replicas may not find it).', fields: { op: f.str('`create`, `renew`, `state` (attached/detached), `delete` or `list`'), sessionId: f.opt(f.str('session id')), err: f.str('the error') } },
  REPLICA_LEASE_STALE: { level: 'info', summary: 'A Lease whose holder stopped renewing it (a crashed replica) was found and removed.', fields: { sessionId: f.str('session id'), holder: f.str('the replica it named') } },
  // Sessions across replicas: resume, live sessions, linger (replicas2).
  REPLICA_RESUME_FALLBACK: {
    level: 'warn',
    summary: '`sessions.resume: auto` could not look up the other replicas\' sessions or reach the holder of the one it picked: a new shell was started instead.',
    fields: {
      ...conn, user: f.str('podgate user'), errorCode: f.str('error registry code'), message: f.str('operator text'),
      sessionId: f.opt(f.str('the session it tried to resume')), holder: f.opt(f.str('the replica holding it')),
    },
  },
  REPLICA_LINGER_HANDOVER: {
    level: 'info',
    summary: 'Lingering processes of a dropped non-PTY session moved between replicas: `side` front (this replica adopted them for a new connection) or holder (this replica handed them over, unreaped).',
    fields: {
      side: f.str('`front` or `holder`'), peer: f.str('the other replica (advertise address)'), user: f.str('podgate user'), sessionId: f.str('the session whose processes moved'),
      result: f.str('`accepted`, or the error code; front: `unknown` when the holder did not answer (they are held here too, and reaped by whichever grace ends first)'),
    },
  },
} as const satisfies Record<string, EventSpec>;

export type EventCode = keyof typeof EVENTS;
