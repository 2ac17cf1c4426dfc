/** Renders scenario results as a plain-text (and Markdown) table. */
import type { ScenarioResult } from './result.ts';

function fmt(v: number | undefined, digits = 1): string {
  return v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

export function tableRows(results: ScenarioResult[]): string[][] {
  const header = ['scenario', 'unit', 'podgate p50', 'podgate p99', 'direct p50', 'direct p99', 'sshd p50', 'sshd p99', 'ssh2 p50', 'pg/direct', 'pg/sshd', 'pg/ssh2', 'goal', 'met'];
  const rows = [header];
  for (const r of results) {
    const by = (t: string) => r.rows.find((x) => x.target === t);
    const pg = by('podgate');
    const d = by('direct');
    const s = by('sshd');
    const b = by('ssh2');
    const digits = r.unit === 'ms' ? 2 : 1;
    rows.push([
      r.title, r.unit,
      fmt(pg?.median, digits), fmt(pg?.p99, digits), fmt(d?.median, digits), fmt(d?.p99, digits), fmt(s?.median, digits), fmt(s?.p99, digits), fmt(b?.median, digits),
      pg && d ? fmt(pg.median / d.median, 2) : '-', pg && s ? fmt(pg.median / s.median, 2) : '-', pg && b ? fmt(pg.median / b.median, 2) : '-',
      r.goal, r.goalMet === undefined ? '?' : r.goalMet ? 'yes' : 'NO',
    ]);
  }
  return rows;
}

export function textTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

export function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  const cell = (c: string): string => c.replace(/\|/g, '\\|');
  return [`| ${head.map(cell).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}
