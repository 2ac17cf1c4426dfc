#!/usr/bin/env node
// The podgate command. In a checkout (src/ present) it runs the TypeScript sources through
// tsx, so a fresh clone needs no build step and never runs a stale build; the container
// image ships only dist/ and runs the compiled JavaScript.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source);
} else {
  await import(fileURLToPath(new URL('../dist/main.js', import.meta.url)));
}
