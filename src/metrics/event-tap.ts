/**
 * A pino destination that passes every line on unchanged and feeds the audit events (lines
 * with a `code`) to the metrics. This is how metrics see events without emitters knowing.
 */
import type { DestinationStream } from 'pino';
import type { AuditEvent } from './metrics.ts';

export function tapEvents(next: DestinationStream, observe: (event: AuditEvent) => void): DestinationStream {
  return {
    write(line: string) {
      next.write(line);
      if (!line.includes('"code":"')) return;
      try {
        observe(JSON.parse(line) as AuditEvent);
      } catch {
        // A line that is not JSON is not an event; metrics never break logging.
      }
    },
  };
}
