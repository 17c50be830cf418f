// The worker inside the API process. The embedded database (PGlite) can be opened by one process
// only, so on a laptop the API and the worker share one process and one Db.
import type { Client } from '@temporalio/client';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import type { AppConfig } from '../config/env';
import type { Db } from '../store/db';
import { loadDataConverter, temporalConnectionOptions } from '../temporal/connection';
import { loadActorKeys } from '../temporal/actorClaims';
import { createWorker } from './createWorker';
import { workerLogger } from './logging';
import { activitiesFromConfig, ensureSweepSchedules } from './services';

export interface EmbeddedWorkerOptions {
  config: AppConfig;
  db: Db;
  temporalClient: Client;
}

export async function startEmbeddedWorker({
  config,
  db,
  temporalClient,
}: EmbeddedWorkerOptions): Promise<{ shutdown(): Promise<void> }> {
  try {
    Runtime.install({
      logger: workerLogger(config).logger,
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
    });
  } catch {
    // Already installed in this process (tests): keep it.
  }
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    // The same key ring and failure converter as the client (by path, so the bundle gets it too).
    dataConverter: await loadDataConverter(config),
    activities: activitiesFromConfig(config, db, temporalClient, await loadActorKeys(config, 'verify')),
    workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH,
  });
  const running = worker.run();
  running.catch(() => undefined);
  await ensureSweepSchedules(config, db, temporalClient);
  return {
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    },
  };
}
