// `tsx scripts/provision-cluster.ts`: provisions the Temporal server and its SQL tool for the
// production shape (temporal/cluster/provision.ts), printing progress, or fails with a readable message.
import { provisionClusterServer } from '../temporal/cluster/provision';

provisionClusterServer((m) => console.error(`[provision] ${m}`))
  .then((b) => {
    console.error(`[provision] Temporal server:  ${b.server}`);
    console.error(`[provision] SQL schema tool:  ${b.sqlTool}`);
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
