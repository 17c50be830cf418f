import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config';

// The cluster fault tests (`npm run test:faults`, not part of `npm test`): workers, Temporal's
// history service, PostgreSQL and the API killed under a school's real load. The settings of
// vitest.config.ts, but only these files and one at a time: each starts a whole cluster of its own
// (PostgreSQL, four Temporal services, app processes) and loads both cores by itself.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    maxWorkers: 1,
    fileParallelism: false,
    include: ['test/faults/**/*.test.ts'],
    exclude: configDefaults.exclude,
  },
});
