/** `--since` durations as kubectl takes them: `10s`, `5m`, `1h30m`, `2h`, `1.5h`. */
const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds (rounded up, at least 1), or null when the text is not a duration or absurdly long. */
export function parseDurationSeconds(text: string): number | null {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * UNITS[m[2]];
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== text.length) return null;
  const seconds = Math.max(1, Math.ceil(total));
  // Kubernetes takes an int64; beyond 2^53 a Number is no longer exact (or is Infinity).
  return Number.isSafeInteger(seconds) ? seconds : null;
}
