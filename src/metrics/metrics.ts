/**
 * Prometheus metrics derived from audit events: the metrics subscribe to the event bus
 * (src/events/), so they count every event whatever the log level, and emitters never know
 * about them. The registry is podgate's own (not prom-client's global one), so tests can
 * create as many as they like. Node's default `process_...` and `nodejs_...` metrics keep their standard
 * names (no prefix) so stock dashboards work.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent, EventBus } from '../events/bus.ts';
import { END_REASONS } from '../events/end-reasons.ts';
import { configSchema } from '../config/schema.ts';
import { buildInfo } from '../version.ts';

export interface Metrics {
  readonly registry: Registry;
  observe(event: AuditEvent): void;
  /** Counts every event published on `bus` from now on; returns the unsubscribe function. */
  subscribe(bus: EventBus): () => void;
  /** Reports live connections from the bastion at scrape time. */
  setConnectionsSource(source: () => number): void;
  /** Reports readiness (what /readyz answers) at scrape time, as podgate_ready 1/0. */
  setReadySource(source: () => boolean): void;
}

const str = (v: unknown, fallback = 'unknown') => (typeof v === 'string' && v !== '' ? v : fallback);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let connectionsSource: (() => number) | null = null;
  let readySource: (() => boolean) | null = null;
  new Gauge({
    name: 'podgate_ready',
    help: '1 when /readyz answers 200 (config and host keys loaded, listening, not draining, API reachable)',
    registers: [registry],
    collect() {
      if (readySource) this.set(readySource() ? 1 : 0);
    },
  });
  const build = buildInfo();
  new Gauge({ name: 'podgate_build_info', help: 'Always 1; the labels say what runs', labelNames: ['version', 'commit', 'node'], registers }).set({ version: build.version, commit: build.commit, node: build.node }, 1);
  const apiUp = new Gauge({ name: 'podgate_api_up', help: '1 when the last Kubernetes API probe (of the default cluster) succeeded, 0 when it failed', registers });

  new Gauge({
    name: 'podgate_connections',
    help: 'SSH connections open now',
    registers,
    collect() {
      if (connectionsSource) this.set(connectionsSource());
    },
  });
  const connectionsClosed = new Counter({ name: 'podgate_connections_closed_total', help: 'SSH connections closed, by reason', labelNames: ['reason'], registers });
  const auth = new Counter({ name: 'podgate_auth_attempts_total', help: 'Authentication attempts, by method and result', labelNames: ['method', 'result'], registers });
  const active = new Gauge({ name: 'podgate_sessions_active', help: 'Sessions running now', registers });
  const sessions = new Counter({ name: 'podgate_sessions_total', help: 'Sessions ended, by end reason', labelNames: ['reason'], registers });
  const denied = new Counter({ name: 'podgate_sessions_denied_total', help: 'Sessions refused before start, by error code', labelNames: ['code'], registers });
  const duration = new Histogram({
    name: 'podgate_session_duration_seconds',
    help: 'Session duration',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14_400],
    registers,
  });
  const bytes = new Counter({ name: 'podgate_session_bytes_total', help: 'Session bytes; in = from the SSH client, out = to it', labelNames: ['direction'], registers });
  const reaps = new Counter({ name: 'podgate_reaps_total', help: 'Reaps of session processes, by outcome', labelNames: ['outcome'], registers });
  const reapDuration = new Histogram({ name: 'podgate_reap_duration_seconds', help: 'Time to a clean container', buckets: [0.05, 0.1, 0.5, 1, 2, 5, 10, 30], registers });
  const apiErrors = new Counter({ name: 'podgate_api_errors_total', help: 'Kubernetes API failures: error codes seen by sessions, and the client\'s own KUBE_*_ERROR events', labelNames: ['code'], registers });
  const forwards = new Counter({ name: 'podgate_forwards_total', help: 'Port forwards ended, by result', labelNames: ['result'], registers });
  const forwardsActive = new Gauge({ name: 'podgate_forwards_active', help: 'Port forwards open now', registers });
  const fileOps = new Counter({ name: 'podgate_file_ops_total', help: 'SFTP/scp operations, by op and result', labelNames: ['op', 'result'], registers });
  const consoleCommands = new Counter({ name: 'podgate_console_commands_total', help: 'Console commands, by command and result', labelNames: ['command', 'result'], registers });
  const connectionsRefused = new Counter({ name: 'podgate_connections_refused_total', help: 'Connections refused before authentication, by reason', labelNames: ['reason'], registers });
  const penalised = new Counter({ name: 'podgate_sources_penalised_total', help: 'Source addresses penalised (refused for a while), by the event that tipped them over', labelNames: ['event'], registers });
  const limitRefused = new Counter({ name: 'podgate_limit_refusals_total', help: 'Requests refused by a per-connection or per-session limit, by limits.* key', labelNames: ['limit'], registers });
  // --- several clusters (docs/clusters.md): per-cluster series beside the totals above ---
  const clusterUp = new Gauge({ name: 'podgate_cluster_up', help: '1 when the last API probe of the cluster succeeded, 0 when it failed', labelNames: ['cluster'], registers });
  const clusterActive = new Gauge({ name: 'podgate_cluster_sessions_active', help: 'Sessions running now, by cluster', labelNames: ['cluster'], registers });
  const clusterSessions = new Counter({ name: 'podgate_cluster_sessions_total', help: 'Sessions ended, by cluster and end reason', labelNames: ['cluster', 'reason'], registers });
  const clusterForwards = new Counter({ name: 'podgate_cluster_forwards_total', help: 'Port forwards ended, by cluster', labelNames: ['cluster'], registers });
  // Cluster names come from the config (events carry only configured ones); bounded all the same.
  const clusterOf = (e: AuditEvent): string | null => (typeof e.cluster === 'string' && e.cluster !== '' ? e.cluster.slice(0, 63) : null);
  const negotiationFailed = new Counter({ name: 'podgate_negotiation_failures_total', help: 'Key exchanges that found no common algorithm, by category', labelNames: ['category'], registers });
  // --- recordings (docs/recordings.md) ---
  const recordings = new Counter({ name: 'podgate_recordings_total', help: 'Session recordings, by result: ended (closed), failed (could not be created or written)', labelNames: ['result'], registers });
  const recordingBytes = new Counter({ name: 'podgate_recording_bytes_total', help: 'Bytes written to session recordings (counted when each one ends)', registers });
  const recordingDropped = new Counter({ name: 'podgate_recording_dropped_events_total', help: 'Recording events dropped because the disk did not keep up (counted when each recording ends)', registers });
  const recordingsDeleted = new Counter({ name: 'podgate_recordings_deleted_total', help: 'Recordings deleted by retention, by rule', labelNames: ['reason'], registers });
  // --- end of recordings metrics ---

  // Label values come from a closed set where we can, so that user data cannot blow up cardinality.
  const bounded = (v: unknown, allowed: readonly string[]) => {
    const s = str(v);
    return allowed.includes(s) ? s : 'other';
  };

  const REFUSAL_REASONS = ['penalty', 'queue-full', 'queue-full-per-source', 'random-early-drop', 'nested-limit', 'proxy-untrusted', 'proxy-header-missing', 'proxy-header-invalid', 'proxy-header-timeout'];
  const PENALTY_EVENTS = ['authfail', 'noauth', 'grace-exceeded', 'crash'];
  const LIMIT_KEYS = Object.keys(configSchema.properties.limits.properties);
  const NEGOTIATION_CATEGORIES = ['kex', 'hostKey', 'cipher', 'mac', 'compress'];

  function observe(e: AuditEvent): void {
    const errorCode = typeof e.errorCode === 'string' ? e.errorCode : null;
    if (errorCode !== null && errorCode.startsWith('API_')) apiErrors.inc({ code: errorCode });
    // The Kubernetes client's own stream/transport failures (KUBE_EXEC_WS_ERROR, ...).
    if (typeof e.code === 'string' && e.code.startsWith('KUBE_') && e.code.endsWith('_ERROR')) apiErrors.inc({ code: e.code.slice(0, 40) });
    switch (e.code) {
      case 'AUTH_ATTEMPT':
        auth.inc({ method: bounded(e.method, ['publickey', 'password', 'keyboard-interactive', 'none', 'hostbased']), result: bounded(e.result, ['accepted', 'rejected']) });
        break;
      case 'CONNECTION_CLOSED':
        connectionsClosed.inc({ reason: str(e.reason).slice(0, 40) });
        break;
      case 'SESSION_START':
        active.inc();
        if (clusterOf(e) !== null) clusterActive.inc({ cluster: clusterOf(e)! });
        break;
      case 'SESSION_DENIED':
        denied.inc({ code: str(e.errorCode) });
        break;
      case 'SESSION_END':
        active.dec();
        sessions.inc({ reason: bounded(e.reason, END_REASONS) });
        if (clusterOf(e) !== null) {
          clusterActive.dec({ cluster: clusterOf(e)! });
          clusterSessions.inc({ cluster: clusterOf(e)!, reason: bounded(e.reason, END_REASONS) });
        }
        duration.observe(num(e.durationMs) / 1000);
        bytes.inc({ direction: 'in' }, num(e.bytesIn));
        bytes.inc({ direction: 'out' }, num(e.bytesOut));
        break;
      case 'REAP':
        reaps.inc({ outcome: bounded(e.outcome, ['none', 'term', 'kill', 'failed']) });
        reapDuration.observe(num(e.durationMs) / 1000);
        break;
      case 'FORWARD_OPEN':
        forwardsActive.inc();
        break;
      case 'API_PROBE':
        if (e.isDefault !== false) apiUp.set(e.ok === true ? 1 : 0);
        if (clusterOf(e) !== null) clusterUp.set({ cluster: clusterOf(e)! }, e.ok === true ? 1 : 0);
        break;
      case 'FORWARD_END':
        forwardsActive.dec();
        forwards.inc({ result: str(e.result).slice(0, 40) });
        if (clusterOf(e) !== null) clusterForwards.inc({ cluster: clusterOf(e)! });
        bytes.inc({ direction: 'in' }, num(e.bytesIn));
        bytes.inc({ direction: 'out' }, num(e.bytesOut));
        break;
      case 'FILE_OP':
        fileOps.inc({ op: str(e.op).slice(0, 20), result: str(e.result).slice(0, 20) });
        break;
      case 'CONSOLE_COMMAND':
        consoleCommands.inc({ command: bounded(e.command, ['pods', 'logs', 'whoami', 'help', 'interactive', 'summary', 'recordings', 'play']), result: str(e.result).slice(0, 20) });
        break;
      case 'CONNECTION_REFUSED':
        connectionsRefused.inc({ reason: bounded(e.reason, REFUSAL_REASONS) });
        break;
      case 'SOURCE_PENALISED':
        penalised.inc({ event: bounded(e.event, PENALTY_EVENTS) });
        break;
      case 'LIMIT_REFUSED': {
        // The first refusal of a limit in a scope is one event (refused: 1); the rest are
        // reported once when the scope ends, with the total (src/session/limit-refusal.ts).
        const refused = num(e.refused);
        limitRefused.inc({ limit: bounded(e.limit, LIMIT_KEYS) }, refused > 1 ? refused - 1 : 1);
        break;
      }
      case 'SSH_NEGOTIATION_FAILED':
        negotiationFailed.inc({ category: bounded(e.category, NEGOTIATION_CATEGORIES) });
        break;
      // --- recordings ---
      case 'RECORDING_END':
        recordings.inc({ result: 'ended' });
        recordingBytes.inc(num(e.bytes));
        recordingDropped.inc(num(e.droppedEvents));
        break;
      case 'RECORDING_FAILED':
        recordings.inc({ result: 'failed' });
        break;
      case 'RECORDING_DELETED':
        recordingsDeleted.inc({ reason: bounded(e.reason, ['max-age', 'max-bytes']) });
        break;
      default:
        break;
    }
  }

  return {
    registry,
    observe,
    setConnectionsSource(source) {
      connectionsSource = source;
    },
    setReadySource(source) {
      readySource = source;
    },
    subscribe: (bus) => bus.subscribe((envelope) => observe(envelope.event)),
  };
}
