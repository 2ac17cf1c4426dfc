/**
 * podgate's logger: pino JSON lines, one audit event per line with a stable `code` (the codes
 * and fields are in the event catalogue, src/events/catalogue.ts, and docs/events.md). Secrets never reach the log: anything that looks
 * like a credential is redacted by key name, whatever module logs it.
 */
import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import type { EventBus } from '../events/bus.ts';
import { bindBus, writeToLog } from '../events/emit.ts';

export type { Logger } from 'pino';

/** Key names whose values are never logged (one and two levels deep, and in headers). */
const SECRET_KEYS = ['password', 'passphrase', 'token', 'bearerToken', 'privateKey', 'secret', 'authorization', 'cookie', 'signature'];

const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'headers.Authorization',
  '*.headers.Authorization',
  'headers["Impersonate-Extra"]',
];

export interface LoggerOptions {
  /** Where the JSON lines go; default stdout. */
  destination?: DestinationStream;
  level?: LevelWithSilent;
  /** Version in every line's `base`. */
  version?: string;
  /**
   * The event bus this logger's events go to (src/events/emit.ts); the audit log subscribes
   * to it here. Without one, events are only logged.
   */
  bus?: EventBus;
}

/**
 * Events name their fixed keys (`connId`, `user`...) even when a child logger already binds
 * them; pino would then write the key twice in one JSON object. Drop an event's key when the
 * logger binds the same value, so each line has each key once.
 */
function dropBoundDuplicates(this: Logger, args: unknown[], method: (...a: unknown[]) => void): void {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !(first instanceof Error)) {
    const bound = this.bindings();
    let copy: Record<string, unknown> | null = null;
    for (const [k, v] of Object.entries(first)) {
      if (Object.hasOwn(bound, k) && bound[k] === v) {
        copy ??= { ...(first as Record<string, unknown>) };
        delete copy[k];
      }
    }
    if (copy) args[0] = copy;
  }
  method.apply(this, args);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const options = {
    level: opts.level ?? 'info',
    base: { service: 'podgate', ...(opts.version ? { version: opts.version } : {}), pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
    hooks: { logMethod: dropBoundDuplicates },
  };
  const logger = pino(options, opts.destination ?? pino.destination({ dest: 1, sync: true }));
  if (opts.bus) {
    bindBus(logger, opts.bus);
    opts.bus.subscribe(writeToLog);
  }
  return logger;
}
