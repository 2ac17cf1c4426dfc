/**
 * The usual suite fixture: one emulator (TLS, control API) and one `podgate serve` against it,
 * started before the file's tests and stopped after them. Register it before the file's own
 * hooks: vitest runs after-hooks in reverse, so the file's clean-up runs while both still live.
 */
import { afterAll, beforeAll } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import type { Emulator } from '../../src/emulator/types.ts';
import { startPodgate, type Podgate } from './podgate.ts';

export interface BastionSuite {
  emu: Emulator;
  pg: Podgate;
}

/** `configPatch`: merged into podgate's test config (e.g. `{ limits: {...} }`). */
export function useBastion(configPatch?: Record<string, unknown>): BastionSuite {
  const suite = {} as BastionSuite;
  beforeAll(async () => {
    suite.emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
    suite.pg = await startPodgate({ emulator: suite.emu, ...(configPatch ? { configPatch } : {}) });
  }, 90_000);
  afterAll(async () => {
    await suite.pg?.stop();
    await suite.emu?.close();
  });
  return suite;
}
