/**
 * Aligned plain-text tables: columns separated by at least three spaces, like kubectl's, so
 * scripts can split on runs of whitespace. No colour, no borders; the same with or without a
 * PTY except for the line ending (CRLF under a PTY, whose terminal is in raw mode).
 */
export function formatTable(header: string[], rows: string[][], eol = '\n'): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + 3))).join('').trimEnd();
  return [header, ...rows].map(line).join(eol) + eol;
}

/**
 * Cluster-written text made safe for a terminal: every C0/C1 control character and DEL becomes
 * `?`. Pod status reasons are free text written by the kubelet or by anyone allowed to update
 * `pods/status`; printed raw they could send escape sequences (OSC 52 writes the viewer's
 * clipboard, OSC 0 its title, CSI clears or rewrites the screen) to every user who lists pods.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** kubectl's AGE column: 45s, 12m, 5h, 3d. */
export function age(since: Date | string | undefined, now = Date.now()): string {
  if (!since) return '<unknown>';
  const t = typeof since === 'string' ? Date.parse(since) : since.getTime();
  if (Number.isNaN(t)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
