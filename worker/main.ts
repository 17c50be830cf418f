// The standalone worker process (production shape: a PostgreSQL server shared with the API).
// On the embedded database the worker runs inside the API process instead (worker/embedded.ts).
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { loadConfig, temporalAddress } from '../config/env';
import { openDbFromEnv } from '../store/db';
import { connectClient, loadDataConverter, temporalConnectionOptions } from '../temporal/connection';
import { loadActorKeys } from '../temporal/actorClaims';
import { createWorker } from './createWorker';
import { workerLogger } from './logging';
import { activitiesFromConfig, ensureSweepSchedules } from './services';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) {
    throw new Error(
      'A standalone worker needs DATABASE_URL (on the embedded database the API process runs the worker).',
    );
  }
  const { logger, file } = workerLogger(config);
  Runtime.install({
    logger,
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
  if (file) console.log(`[worker] detail (LOG_LEVEL=${config.LOG_LEVEL}) goes to ${file}`);
  const db = await openDbFromEnv();
  const client = await connectClient(config);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    dataConverter: await loadDataConverter(config),
    activities: activitiesFromConfig(config, db, client, await loadActorKeys(config, 'verify')),
    workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH,
    extra:
      config.WORKER_MAX_CACHED_WORKFLOWS === undefined
        ? {}
        : { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS },
  });
  await ensureSweepSchedules(config, db, client);
  console.log(`[worker] polling task queue "${config.TEMPORAL_TASK_QUEUE}" on ${temporalAddress(config)}`);
  await worker.run(); // resolves after SIGINT/SIGTERM once in-flight work is done
  await connection.close();
  await client.connection.close();
  await db.close();
}

main().catch((err: unknown) => {
  console.error('[worker] failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
