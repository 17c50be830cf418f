// Real Temporal servers started from the binaries the project provisions (provision.ts):
// the time-skipping server for simulations and workflow tests, the CLI dev server for the rest.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { provisionTemporal } from './provision';
import { CUSTOM_SEARCH_ATTRIBUTES } from './searchAttributes';

/** Temporal's Java time-skipping server: timers of weeks complete in milliseconds. */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const { testServer } = await provisionTemporal({ only: 'testServer', quiet: true });
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServer } },
  });
}

/** The Temporal CLI dev server (the same server `npm start` runs), in memory. */
export async function startDevServer(): Promise<TestWorkflowEnvironment> {
  const { cli } = await provisionTemporal({ only: 'cli', quiet: true });
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli },
      ip: '127.0.0.1',
      searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
    },
  });
}
