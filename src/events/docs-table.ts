/**
 * Renders the event catalogue as the Markdown table in docs/events.md. The docs test compares
 * the two, so an event added to the catalogue without its docs row (or the other way) fails.
 */
import { EVENTS, type EventSpec } from './catalogue.ts';

const cell = (text: string) => text.replace(/\|/g, '\\|');

function levelText(spec: EventSpec): string {
  if (typeof spec.level === 'string') return spec.level;
  return spec.levelDoc ?? 'varies';
}

function fieldsText(spec: EventSpec): string {
  const entries = Object.entries(spec.fields);
  if (entries.length === 0) return '—';
  return entries.map(([name, fs]) => `\`${name}\`${fs.optional ? '?' : ''}: ${fs.doc}`).join('; ');
}

export function renderEventTable(): string {
  const rows = Object.entries(EVENTS as Record<string, EventSpec>).map(
    ([code, spec]) => `| \`${code}\` | ${levelText(spec)} | ${cell(spec.summary)} | ${cell(fieldsText(spec))} |`,
  );
  return ['| code | level | meaning | fields (`?` = may be absent) |', '|---|---|---|---|', ...rows].join('\n');
}
