// `tsx scripts/provision-temporal.ts` (npm run provision): provisions the Temporal binaries
// (temporal/provision.ts) and prints the two paths, or fails with a readable message.
import { provisionTemporal } from '../temporal/provision';

provisionTemporal({ quiet: false })
  .then((paths) => {
    console.error(`[provision] Temporal CLI:         ${paths.cli}`);
    console.error(`[provision] time-skipping server: ${paths.testServer}`);
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
