/**
 * The two clusters of the several-clusters tests (docs/clusters.md): two emulators over TLS with
 * their control endpoints, `home` (test/fixtures/cluster.yaml, the default) and `eu1`
 * (test/fixtures/cluster-eu1.yaml: other pods, other RBAC), and podgate's `clusters:` for them.
 */
import { startEmulator } from '../../src/emulator/index.ts';
import type { Emulator } from '../../src/emulator/types.ts';

export async function startTwoClusters(): Promise<{ home: Emulator; eu1: Emulator }> {
  const [home, eu1] = await Promise.all([
    startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true }),
    startEmulator({ fixture: 'test/fixtures/cluster-eu1.yaml', tls: true, control: true }),
  ]);
  return { home, eu1 };
}

/** `clusters:` for startPodgate: `home` the default, then `eu1`. */
export const bothClusters = (home: Emulator, eu1: Emulator): { name: string; emulator: Emulator; default?: boolean }[] => [
  { name: 'home', emulator: home, default: true },
  { name: 'eu1', emulator: eu1 },
];
