/**
 * `emit(logger, { code, ...fields }, msg)`: the one way an audit event leaves an emission site.
 * The code must be in the catalogue and the fields must match it (checked by tsc); the level
 * comes from the catalogue. The event goes to the bus bound to the logger (createLogger binds
 * one; child loggers inherit it), whose subscribers write the log line, count the metrics and
 * update readiness. A logger without a bus (a bare pino in a unit test) just gets the line.
 */
import type { Logger } from 'pino';
import { EVENTS, type EventCode, type EventLevel, type EventSpec } from './catalogue.ts';
import type { AuditEvent, EventBus, Envelope } from './bus.ts';
import type { FieldsOf } from './field.ts';

const BUS = Symbol.for('podgate.eventBus');

type Spec<C extends EventCode> = (typeof EVENTS)[C];

/** What an emission site passes: the code, its catalogue fields, and any extra keys. */
export type EventInput = {
  [C in EventCode]: { code: C } & FieldsOf<Spec<C>['fields']> & Record<string, unknown>;
}[EventCode];

/** Binds a bus to a logger; its children (pino's child() inherits by prototype) share it. */
export function bindBus(logger: Logger, bus: EventBus): Logger {
  (logger as unknown as Record<symbol, EventBus>)[BUS] = bus;
  return logger;
}

export function busOf(logger: Logger | undefined): EventBus | undefined {
  return logger ? (logger as unknown as Record<symbol, EventBus | undefined>)[BUS] : undefined;
}

function levelOf(event: AuditEvent): EventLevel {
  const spec = (EVENTS as Record<string, EventSpec>)[event.code];
  if (!spec) return 'info';
  return typeof spec.level === 'function' ? spec.level(event) : spec.level;
}

/** The audit log as a bus subscriber: one pino line per event, at the catalogue's level. */
export function writeToLog(envelope: Envelope): void {
  envelope.logger?.[envelope.level](envelope.event, envelope.msg);
}

export function emit(logger: Logger | undefined, event: EventInput, msg?: string): void {
  const e = event as AuditEvent;
  const envelope: Envelope = { event: e, level: levelOf(e), msg, logger };
  const bus = busOf(logger);
  if (bus) bus.publish(envelope);
  else writeToLog(envelope);
}
