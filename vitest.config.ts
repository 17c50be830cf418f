import { configDefaults, defineConfig } from 'vitest/config';

// Each test file runs in its own forked process: Temporal's native core and PGlite's WASM
// are happier in a process of their own than in worker threads. Two cores here, so at most
// two files at once; every test has a hard timeout so a stuck server can never hang CI.
export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 20_000,
    include: [
      'test/**/*.test.ts',
      'domain/**/*.test.ts',
      'api/**/*.test.ts',
      'activities/**/*.test.ts',
      'workflows/**/*.test.ts',
    ],
    // The cluster fault tests are long and heavy: `npm run test:faults` (vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    globalSetup: ['test/support/globalSetup.ts'],
    setupFiles: ['test/support/quietRuntime.ts'],
    reporters: ['default'],
  },
});
