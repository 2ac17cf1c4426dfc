/**
 * A container's log as the kubelet keeps it: one entry per line written by the main process on
 * stdout or stderr, stamped on arrival (RFC3339Nano). Bounded like the kubelet's 10 MiB rotation:
 * the oldest lines go first.
 */
import { nowNanos, formatRfc3339Nano } from './rfc3339nano.ts';
import type { ContainerLog, LogLine } from './types.ts';

const MAX_BYTES = 10 * 1024 * 1024;

export class ContainerLogBuffer implements ContainerLog {
  private readonly entries: LogLine[] = [];
  private bytes = 0;
  private ended = false;
  private readonly followers = new Set<{ onLine: (l: LogLine) => void; onEnd: () => void }>();
  private readonly partial: Record<LogLine['stream'], Buffer[]> = { stdout: [], stderr: [] };

  lines(): LogLine[] {
    return this.entries.slice();
  }

  follow(onLine: (line: LogLine) => void, onEnd: () => void): () => void {
    if (this.ended) {
      setImmediate(onEnd);
      return () => undefined;
    }
    const f = { onLine, onEnd };
    this.followers.add(f);
    return () => {
      this.followers.delete(f);
    };
  }

  /** Feeds raw output; complete lines become entries. */
  write(stream: LogLine['stream'], chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const parts = this.partial[stream];
      parts.push(chunk.subarray(start, nl + 1));
      this.partial[stream] = [];
      this.append({ time: formatRfc3339Nano(nowNanos()), stream, data: Buffer.concat(parts) });
      start = nl + 1;
    }
    if (start < chunk.length) this.partial[stream].push(Buffer.from(chunk.subarray(start)));
  }

  /** Adds a finished line with a given time (previous instances' logs). */
  append(line: LogLine): void {
    if (this.ended) return;
    this.entries.push(line);
    this.bytes += line.data.length;
    while (this.bytes > MAX_BYTES && this.entries.length > 1) this.bytes -= this.entries.shift()?.data.length ?? 0;
    for (const f of this.followers) f.onLine(line);
  }

  /** The container stopped: flush partial lines (without a newline) and end followers. */
  end(): void {
    if (this.ended) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream].length === 0) continue;
      const data = Buffer.concat(this.partial[stream]);
      this.partial[stream] = [];
      this.append({ time: formatRfc3339Nano(nowNanos()), stream, data });
    }
    this.ended = true;
    for (const f of this.followers) f.onEnd();
    this.followers.clear();
  }

  /** A finished log from text (e.g. a fixture's previous container log). */
  static fromText(text: string, endedAt: bigint): ContainerLogBuffer {
    const log = new ContainerLogBuffer();
    const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
    lines.forEach((l, i) => {
      const t = endedAt - BigInt(lines.length - i) * 1_000_000n;
      log.append({ time: formatRfc3339Nano(t), stream: 'stdout', data: Buffer.from(l) });
    });
    log.end();
    return log;
  }
}
