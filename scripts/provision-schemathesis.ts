// `tsx scripts/provision-schemathesis.ts`: installs the pinned Schemathesis for the fuzzed API test
// (test/support/schemathesis.ts) into its cached virtualenv and prints where, or fails with a
// readable message. The test provisions it too; CI runs this first so the install is not timed as
// part of a test.
import { provisionSchemathesis } from '../test/support/schemathesis';

provisionSchemathesis({ quiet: false })
  .then(({ python, version }) => {
    console.error(`[provision] Schemathesis ${version}: ${python} -m schemathesis.cli`);
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
