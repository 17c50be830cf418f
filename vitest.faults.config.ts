import { defineConfig } from 'vitest/config';

// The cluster fault tests (`npm run test:faults`, not part of `npm test`): workers, Temporal's
// history service, PostgreSQL and the API killed under a school's real load. The settings of
// vitest.config.ts, but one file at a time: each starts a whole cluster of its own (PostgreSQL,
// four Temporal services, app processes) and loads both cores by itself.
export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 20_000,
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    setupFiles: ['test/support/quietRuntime.ts'],
    reporters: ['default'],
  },
});
