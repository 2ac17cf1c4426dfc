import { defineConfig } from 'vitest/config';

// Integration suites spawn real processes (podgate, OpenSSH, kubectl, container processes):
// run files in at most two forked workers on the 2-core CI machine and give them room.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
