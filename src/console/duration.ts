/** `--since` durations as kubectl takes them: `10s`, `5m`, `1h30m`, `2h`, `1.5h`. */
const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds (rounded up, at least 1), or null when the text is not a duration. */
export function parseDurationSeconds(text: string): number | null {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== text.length) return null;
  return Math.max(1, Math.ceil(total));
}
