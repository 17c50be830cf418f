// The worker inside the API process (the embedded default: PGlite can be opened by one process
// only, so the API and the worker share one Db). A minimal version; the workflow engineer owns it.
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { type AppConfig, temporalAddress } from '../config/env';
import type { Db } from '../store/db';
import { policyForSchool } from '../policies/schoolPolicy';
import { buildActivities } from './activityDeps';
import { createWorker } from './createWorker';

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
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
    });
  } catch {
    // Already installed in this process (tests): keep it.
  }
  const connection = await NativeConnection.connect({ address: temporalAddress(config) });
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    dataConverter: temporalClient.options.dataConverter,
    activities: buildActivities({
      db,
      temporal: temporalClient,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      caseSettings: {
        timeZone: config.SCHOOL_TIMEZONE,
        checkTime: config.SWEEP_TIME,
        remindAfterSchoolDays: 2,
        escalateAfterSchoolDays: 4,
        searchAttributes: true,
      },
      policyForSchool: (schoolId) => policyForSchool(db, schoolId),
      smtpUrl: config.SMTP_URL,
      mailFrom: config.MAIL_FROM,
      staffEmail: config.ADMIN_EMAIL,
    }),
    workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH,
  });
  const running = worker.run();
  running.catch(() => undefined);
  return {
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    },
  };
}
