// Test helpers that start real Temporal servers from the binaries the project provisions.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { provisionTemporal } from '../../scripts/provision-temporal';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../temporal/searchAttributes';

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
