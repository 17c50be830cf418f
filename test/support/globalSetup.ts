// Runs once before the whole suite: make sure the Temporal binaries are provisioned so that
// individual test files never race to build or download them.
import { provisionTemporal } from '../../temporal/provision';

export default async function setup(): Promise<void> {
  const paths = await provisionTemporal({ quiet: true });
  process.env.TEMPORAL_CLI_PATH = paths.cli;
  process.env.TEMPORAL_TEST_SERVER_PATH = paths.testServer;
}
