import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './codes.ts';
import { renderErrorTable } from './docs-table.ts';

const DOC = new URL('../../docs/errors.md', import.meta.url);

describe('docs/errors.md', () => {
  const text = readFileSync(DOC, 'utf8');
  const tableRows = text.split('\n').filter((line) => /^\| `[A-Z_]+` \|/.test(line));

  it('lists every registry code once, and no other code', () => {
    const documented = tableRows.map((line) => /^\| `([A-Z_]+)`/.exec(line)?.[1]);
    expect(documented).toEqual(Object.keys(ERROR_CODES));
  });

  it('has exactly the registry table (regenerate it with renderErrorTable() when codes change)', () => {
    expect(text).toContain(renderErrorTable());
  });
});
