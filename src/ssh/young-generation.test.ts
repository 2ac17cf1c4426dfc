import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('./young-generation.ts', import.meta.url));

/**
 * In a fresh process: allocates ~400 MB of short-lived objects and reports how large V8's young
 * generation (new_space) grew, with or without the pin applied first.
 */
function newSpaceAfterChurn(pinned: boolean): number {
  const script = `
    const v8 = await import('node:v8');
    ${pinned ? `(await import(${JSON.stringify(MODULE)})).pinYoungGeneration();` : ''}
    const keep = [];
    for (let i = 0; i < 4e6; i++) { const o = { a: i, b: [i, i + 1, i + 2], s: 'x' + i }; if (i % 1000 === 0) keep.push(o); }
    const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(ns.space_size));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return Number(r.stdout);
}

describe('pinYoungGeneration', () => {
  it('keep the young generation at its initial size under an allocation burst that grows it otherwise', () => {
    const free = newSpaceAfterChurn(false);
    const pinned = newSpaceAfterChurn(true);
    expect(pinned).toBeLessThan(free);
    expect(pinned).toBeLessThanOrEqual(4 * 1024 * 1024);
  });
});
