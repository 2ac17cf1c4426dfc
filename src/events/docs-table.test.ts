import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENTS } from './catalogue.ts';
import { renderEventTable } from './docs-table.ts';

const DOC = new URL('../../docs/events.md', import.meta.url);

describe('docs/events.md', () => {
  const text = readFileSync(DOC, 'utf8');
  const tableRows = text.split('\n').filter((line) => /^\| `[A-Z_]+` \|/.test(line));

  it('lists every catalogue event once, and no other', () => {
    const documented = tableRows.map((line) => /^\| `([A-Z_]+)`/.exec(line)?.[1]);
    expect(documented).toEqual(Object.keys(EVENTS));
  });

  it('has exactly the catalogue table (regenerate it with renderEventTable() when events change)', () => {
    expect(text).toContain(renderEventTable());
  });
});
