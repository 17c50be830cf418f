// The worker process: connects to Temporal and runs workflows and activities until stopped.
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { loadConfig, temporalAddress } from '../config/env';
import { loadDataConverter } from '../temporal/connection';
import { createActivities } from '../activities';
import { createWorker } from './createWorker';

async function main(): Promise<void> {
  const config = loadConfig();
  Runtime.install({
    logger: undefined,
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
  const connection = await NativeConnection.connect({ address: temporalAddress(config) });
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    dataConverter: await loadDataConverter(config),
    activities: createActivities({
      onTimerFired: (e) => console.log(`[worker] probe timer fired for ${e.workflowId} at ${e.firedAt}`),
    }),
    workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH,
  });
  console.log(`[worker] polling task queue "${config.TEMPORAL_TASK_QUEUE}" on ${temporalAddress(config)}`);
  await worker.run(); // resolves after SIGINT/SIGTERM once in-flight work is done
  await connection.close();
}

main().catch((err: unknown) => {
  console.error('[worker] failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
