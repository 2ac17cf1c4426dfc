/**
 * The event bus with its subscribers for `serve` and `demo`: the audit log (at `log.level`, as
 * JSON or text) and the metrics, which count every event whatever the log level. Its first
 * line (STARTING) says what runs.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { createLogger } from '../audit/logger.ts';
import { textDestination } from '../audit/text-format.ts';
import type { LogConfig } from '../config/types.ts';
import { EventBus } from '../events/bus.ts';
import { emit } from '../events/emit.ts';
import { createMetrics, type Metrics } from '../metrics/metrics.ts';
import { buildInfo, versionLine } from '../version.ts';

export interface Observed {
  logger: Logger;
  metrics: Metrics;
  bus: EventBus;
}

/** Builds the logger once the config is known; the command line's `--log-*` options win. */
export type MakeLogger = (log: LogConfig, destination?: DestinationStream) => Observed;

export function observedLogger(log: LogConfig, destination?: DestinationStream): Observed {
  const bus = new EventBus();
  const metrics = createMetrics();
  metrics.subscribe(bus);
  const sink = destination ?? pino.destination({ dest: 1, sync: true });
  const logger = createLogger({ level: log.level, destination: log.format === 'text' ? textDestination(sink) : sink, bus, version: buildInfo().version });
  emit(logger, { code: 'STARTING', ...buildInfo() }, versionLine());
  return { logger, metrics, bus };
}

/** Applies the command line's overrides (undefined: keep the config's). */
export function withOverrides(o: { logLevel?: string; logFormat?: string }): MakeLogger {
  return (log, destination) => observedLogger({
    level: (o.logLevel ?? log.level) as LogConfig['level'],
    format: (o.logFormat ?? log.format) as LogConfig['format'],
  }, destination);
}
