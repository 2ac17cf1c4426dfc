/**
 * Runs the bastion until SIGTERM/SIGINT, for `serve` and `demo`: builds the
 * Kubernetes client and the reaper, starts the metrics/health listener and the SSH server, then
 * on the first signal stops accepting, gives sessions `shutdownGraceSeconds` to finish and
 * closes everything; a second signal stops at once. Resolves with the exit status; never calls
 * process.exit (only main.ts does).
 */
import type { Logger } from 'pino';
import { mustParseListen } from '../config/listen.ts';
import type { PodgateConfig } from '../config/types.ts';
import { PodgateError } from '../errors/index.ts';
import { clusterExecutor, createClusterRegistry, type ClusterRegistry } from '../clusters/registry.ts';
import { startClusterProbes } from '../clusters/probes.ts';
import { startMetricsServer, type MetricsServer } from '../metrics/http-server.ts';
import { EventBus } from '../events/bus.ts';
import { busOf } from '../events/emit.ts';
import type { ApiProbe } from '../health/api-probe.ts';
import { startLoopMonitor } from '../health/loop-monitor.ts';
import { startIdleGc } from '../health/idle-gc.ts';
import { createReadiness } from '../health/readiness.ts';
import { startConfigReloader, type Reloader } from './config-reloader.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { startBastion, type Bastion } from '../app.ts';
import { createReaper } from '../session/reaper.ts';
import { journalTrust } from '../session/reap-trust.ts';
import { loadExtensions } from './extensions.ts';
import { EXIT_FAILURE, EXIT_FORCED, EXIT_INVALID, EXIT_OK } from './exit-codes.ts';
import type { Output } from './output.ts';
import type { SessionReaper } from '../session/reaper-types.ts';
import { emit } from '../events/emit.ts';
import { startRecordings } from '../recordings/index.ts';

interface Listening {
  ssh: { host: string; port: number };
  metrics: { host: string; port: number } | null;
}

export interface RunBastionOptions {
  config: PodgateConfig;
  /** Reloads on SIGHUP and file change (src/cli/config-reloader.ts); absent: no reload. */
  reload?: { file: string; load: () => Promise<PodgateConfig>; initialDigest: string | null };
  /** The host keys, already read (src/cli/host-keys.ts). */
  hostKeys: Buffer[];
  logger: Logger;
  metrics: Metrics;
  out: Output;
  onListening?: (where: Listening) => void;
  /** Closed last at shutdown (the demo's emulator). */
  alsoClose?: () => Promise<void>;
}


function waitForSignal(): { next: Promise<NodeJS.Signals>; dispose: () => void } {
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  let resolveNext: (s: NodeJS.Signals) => void = () => undefined;
  let next = new Promise<NodeJS.Signals>((r) => (resolveNext = r));
  const handler = (s: NodeJS.Signals) => {
    const settle = resolveNext;
    next = new Promise<NodeJS.Signals>((r) => (resolveNext = r));
    settle(s);
  };
  for (const s of signals) process.on(s, handler);
  return {
    get next() {
      return next;
    },
    dispose: () => signals.forEach((s) => process.off(s, handler)),
  };
}

/** Reaps what a previous podgate process left running (its journal), in the background. */
function recoverCrashedSessions(reaper: SessionReaper, users: PodgateConfig['users'], logger: Logger): void {
  // Only entries that still match the current config: the journal on disk is input.
  reaper.recover(journalTrust(new Map(users.map((u) => [u.name, u])))).then(
    (reports) => {
      if (reports.length > 0) emit(logger, { code: 'RECOVERED', sessions: reports.length }, 'reaped sessions left by a previous podgate');
    },
    (err: unknown) => emit(logger, { code: 'RECOVER_FAILED', err }, 'could not reap sessions left by a previous podgate'),
  );
}

export async function runBastion(opts: RunBastionOptions): Promise<number> {
  const { config, hostKeys, logger, metrics, out } = opts;
  let clusters: ClusterRegistry;
  try {
    clusters = createClusterRegistry(config, logger);
  } catch (err) {
    if (!(err instanceof PodgateError)) throw err;
    out.err(`podgate: ${err.userMessage}`);
    emit(logger, { code: 'STARTUP_FAILED', errorCode: err.code, message: err.operatorMessage }, 'podgate cannot start');
    return EXIT_INVALID;
  }

  const signals = waitForSignal();
  let bastion: Bastion | null = null;
  let metricsServer: MetricsServer | null = null;
  let probe: ApiProbe | null = null;
  let reloader: Reloader | null = null;
  let running = config;
  // Readiness and liveness subscribe to the same events as the log and the metrics.
  const readiness = createReadiness(busOf(logger) ?? new EventBus(), { probeApi: true });
  const loop = startLoopMonitor({ maxLagMs: config.health.maxEventLoopLagMs, logger });
  // Gives a burst's dead buffers back once podgate is idle (src/health/idle-gc.ts).
  const idleGc = startIdleGc();
  // Session recordings and their retention (docs/recordings.md); the config as last reloaded.
  const recordings = startRecordings({ config: () => running.recordings, logger });
  const closeAll = async (graceMs: number) => {
    reloader?.stop();
    await bastion?.close({ graceMs });
    await recordings.close();
    probe?.stop();
    loop.stop();
    idleGc.stop();
    readiness.dispose();
    await metricsServer?.close();
    clusters.close();
    await opts.alsoClose?.();
  };
  try {
    const reaper = createReaper({ executor: clusterExecutor(clusters), stateDir: config.stateDir, graceMs: config.limits.reapGraceSeconds * 1000, logger });
    if (config.metrics !== null) {
      metricsServer = await startMetricsServer({
        listen: mustParseListen(config.metrics.listen),
        registry: metrics.registry,
        health: {
          ready: () => readiness.state(),
          notAlive: () => (loop.healthy() ? null : `event loop lag ${Math.round(loop.lagMs())} ms > ${config.health.maxEventLoopLagMs} ms`),
        },
      });
      emit(logger, { code: 'METRICS_LISTENING', address: metricsServer.address.host, port: metricsServer.address.port }, 'metrics and health endpoints up');
    }
    // startBastion logs SERVER_LISTENING (the line the test helper waits for) and SHUTDOWN.
    bastion = await startBastion(config, { clusters, leases: clusters.defaultCluster.kube, logger, reaper, hostKeys, extensions: { ...(await loadExtensions()), recorder: recordings.recorder } });
    // Startup's garbage goes now, not in the middle of the first sessions (src/health/idle-gc.ts).
    idleGc.settle();
    metrics.setConnectionsSource(() => bastion?.connections() ?? 0);
    metrics.setReadySource(() => readiness.state().ready);
    // One probe per cluster, each on its own timer and timeout; readiness follows the default's.
    probe = startClusterProbes(clusters, { intervalMs: config.health.apiProbeIntervalSeconds * 1000, logger });
    recoverCrashedSessions(reaper, config.users, logger);
    if (opts.reload) {
      const live = bastion;
      reloader = startConfigReloader({
        ...opts.reload,
        logger,
        current: () => running,
        apply: async (next, diff) => {
          running = next;
          logger.level = next.log.level;
          await live.reload(next, diff.removed);
        },
      });
    }
    opts.onListening?.({ ssh: bastion.address, metrics: metricsServer?.address ?? null });
  } catch (err) {
    signals.dispose();
    const text = err instanceof PodgateError ? err.userMessage : (err as Error).message;
    const hint = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? ' (another process listens there; choose another with --listen HOST:PORT)' : '';
    out.err(`podgate: cannot start: ${text}${hint}`);
    emit(logger, { code: 'STARTUP_FAILED', err }, 'podgate cannot start');
    await closeAll(0).catch(() => undefined);
    return EXIT_FAILURE;
  }

  const signal = await signals.next;
  const graceMs = config.limits.shutdownGraceSeconds * 1000;
  emit(logger, { code: 'SIGNAL', signal, graceMs, connections: bastion.connections() }, 'stopping: no new connections, sessions get a grace period');
  const forced = signals.next.then((again) => {
    emit(logger, { code: 'SHUTDOWN_FORCED', signal: again }, 'second signal: stopping now');
    return EXIT_FORCED;
  });
  const clean = closeAll(graceMs).then(() => EXIT_OK);
  const code = await Promise.race([clean, forced]);
  signals.dispose();
  if (code === EXIT_OK) emit(logger, { code: 'SHUTDOWN_DONE' }, 'stopped');
  return code;
}
