/**
 * The clients suites' fixture: like useBastion(), but podgate serves the host keys that
 * `podgate keygen` writes by default (ed25519 and 3072-bit RSA), so every client meets the
 * host-key offer an operator ships. Exposes the keys' paths for clients that pin them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { startEmulator } from '../../../src/emulator/index.ts';
import type { Emulator } from '../../../src/emulator/types.ts';
import { startPodgate, type Podgate } from '../podgate.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ClientsBastion {
  emu: Emulator;
  pg: Podgate;
  /** Directory holding ssh_host_ed25519_key(.pub) and ssh_host_rsa_key(.pub). */
  hostKeyDir: string;
}

export function useKeygenBastion(): ClientsBastion {
  const suite = {} as ClientsBastion;
  beforeAll(async () => {
    suite.hostKeyDir = mkdtempSync(join(tmpdir(), 'podgate-clients-hostkeys-'));
    await promisify(execFile)(process.execPath, [join(ROOT, 'bin/podgate.js'), 'keygen', '--dir', suite.hostKeyDir]);
    suite.emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
    suite.pg = await startPodgate({
      emulator: suite.emu,
      configPatch: { hostKeys: [join(suite.hostKeyDir, 'ssh_host_ed25519_key'), join(suite.hostKeyDir, 'ssh_host_rsa_key')] },
    });
  }, 120_000);
  afterAll(async () => {
    await suite.pg?.stop();
    await suite.emu?.close();
    if (suite.hostKeyDir) rmSync(suite.hostKeyDir, { recursive: true, force: true });
  });
  return suite;
}
