#!/usr/bin/env node
// The podgate command. In a checkout (src/ present) it runs the TypeScript sources through
// tsx, so a fresh clone needs no build step and never runs a stale build; the container
// image ships only dist/ and runs the compiled JavaScript.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';

// package.json engines: the Kubernetes client's HTTP stack (undici 8) does not load on older
// Node. Say so in one line rather than with a stack trace from deep inside node_modules.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`podgate needs Node.js 22.19 or newer (24 recommended); this is ${process.version}. In a checkout: source scripts/use-node24.sh\n`);
  process.exit(1);
}

// Before anything allocates (tsx compiling the sources does, a lot): keep V8's young generation
// at its initial size, as src/ssh/young-generation.ts explains (the config can release it).
setFlagsFromString('--semi-space-growth-factor=1');
setFlagsFromString('--heap-growing-percent=200');

const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source);
} else {
  await import(fileURLToPath(new URL('../dist/main.js', import.meta.url)));
}
