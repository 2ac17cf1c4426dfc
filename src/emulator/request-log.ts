/** The log of API requests the control surface exposes (bounded, oldest dropped first). */
import type { RequestLogEntry } from './types.ts';

export class RequestLog {
  private readonly entries: RequestLogEntry[] = [];
  constructor(private readonly max = 20_000) {}

  start(method: string, path: string, query: string): RequestLogEntry {
    const e: RequestLogEntry = { time: new Date().toISOString(), method, path, query, status: 0 };
    this.entries.push(e);
    if (this.entries.length > this.max) this.entries.shift();
    return e;
  }

  snapshot(): RequestLogEntry[] {
    return this.entries.map((e) => structuredClone(e));
  }
}
