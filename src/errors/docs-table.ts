/**
 * Renders the error registry as the Markdown table in docs/errors.md. The docs test compares
 * the two, so a code added to codes.ts without its docs row (or the other way) fails the suite.
 */
import { ERROR_CODES } from './codes.ts';

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function renderErrorTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, spec]) => `| \`${code}\` | ${cell(spec.summary)} | ${cell(spec.fix)} |`);
  return ['| code | what the user sees (`podgate: …`) | how to fix |', '|---|---|---|', ...rows].join('\n');
}
