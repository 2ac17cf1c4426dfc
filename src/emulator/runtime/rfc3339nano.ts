/**
 * Timestamps as Go's time.RFC3339Nano prints them in UTC (what the kubelet writes in container
 * logs): nanoseconds with trailing zeros trimmed, and no fraction at all when it is zero.
 */
const origin = { wall: Date.now(), mono: process.hrtime.bigint() };

/** A nanosecond-resolution wall clock: Date's epoch anchored once, advanced by hrtime. */
export function nowNanos(): bigint {
  return BigInt(origin.wall) * 1_000_000n + (process.hrtime.bigint() - origin.mono);
}

export function formatRfc3339Nano(epochNanos: bigint): string {
  const ms = Number(epochNanos / 1_000_000n);
  const nanos = Number(epochNanos % 1_000_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = nanos.toString().padStart(9, '0').replace(/0+$/, '');
  return frac === '' ? `${base}Z` : `${base}.${frac}Z`;
}

export function rfc3339NanoNow(): string {
  return formatRfc3339Nano(nowNanos());
}
