/**
 * `log.format: text`: the same events as the JSON log, one human-readable line each, for
 * `podgate demo` and terminals:
 *
 *   12:01:02.345 INFO  SESSION_START session start  user=alice pod=web-7d9f command="echo hi"
 *
 * A pino destination that rewrites each JSON line (already redacted by pino) before passing it
 * on. Lines it cannot parse pass through unchanged.
 */
import type { DestinationStream } from 'pino';

/** Keys shown in the line's head, or of no use to a reader. */
const HEAD = new Set(['level', 'time', 'msg', 'code', 'service', 'pid', 'hostname', 'version']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}

export function formatTextLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof o.time === 'string' ? o.time.slice(11, 23) : '';
  // A level is a pino label or number; String() renders either (any other JSON as it comes).
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  const level = String(o.level ?? '').toUpperCase().padEnd(5);
  const code = typeof o.code === 'string' ? `${o.code} ` : '';
  const msg = typeof o.msg === 'string' ? o.msg : '';
  const rest = Object.entries(o)
    .filter(([k, v]) => !HEAD.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
  return `${[time, level, `${code}${msg}`].filter((s) => s !== '').join(' ')}${rest ? `  ${rest}` : ''}\n`;
}

export function textDestination(next: DestinationStream): DestinationStream {
  return { write: (line: string) => next.write(formatTextLine(line)) };
}
