/**
 * The event bus: every audit event is published here once, and the audit log, the metrics and
 * readiness subscribe. One bus per bastion (not process-global), so tests can run several.
 * Events are also published on the `podgate.audit` diagnostics_channel for outside observers
 * (APM agents, extensions), which costs nothing while nobody subscribes.
 */
import { channel } from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import type { EventLevel } from './catalogue.ts';

/** An event as published: its code and fields (without the logger's bound keys). */
export type AuditEvent = Readonly<Record<string, unknown>> & { readonly code: string };

export interface Envelope {
  readonly event: AuditEvent;
  readonly level: EventLevel;
  readonly msg: string | undefined;
  /** The emitting site's logger (carries its bound keys: connId, user...). */
  readonly logger: Logger | undefined;
}

export type Subscriber = (envelope: Envelope) => void;

const AUDIT_CHANNEL = channel('podgate.audit');

export class EventBus {
  readonly #subscribers = new Set<Subscriber>();

  /** Adds a subscriber (once); returns the function that removes it. */
  subscribe(fn: Subscriber): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  publish(envelope: Envelope): void {
    for (const fn of this.#subscribers) {
      try {
        fn(envelope);
      } catch {
        // A subscriber's bug must not break the emitting session or the other subscribers.
      }
    }
    if (AUDIT_CHANNEL.hasSubscribers) AUDIT_CHANNEL.publish(envelope);
  }
}
