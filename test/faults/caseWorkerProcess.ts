// One case worker as an OS process of its own, so a fault test can SIGKILL it: the worker
// test/cluster/support.ts's startCaseWorker starts in-process (the real workflows and activities, the
// app's store on the cluster's PostgreSQL, letters by SMTP), with its settings from the environment:
//
//   TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE   the cluster and the school's queue
//   DATABASE_URL                                                the cluster's app database
//   SMTP_URL                                                    the test's mail server
//   CASE_POLICY                                                 a policy file's id (policies/)
//   SIM_START, SIM_REAL_START_MS, SIM_RATE                      the school's clock (shared by every worker)
//   OUTBOX_LEASE_SECONDS, SEND_ATTEMPT_TIMEOUT                  how soon a killed send is tried again
//   WORKFLOW_BUNDLE_PATH                                        the prebuilt workflow bundle (no webpack per start)
//   SIGNED_DECISIONS=true                                       as production: payloads sealed and decisions
//                                                               verified with PAYLOAD_ENCRYPTION_KEY and
//                                                               ACTOR_SIGNING_KEY (config/env.ts)
//
// It prints "ready" once it polls, shuts down gracefully on SIGTERM (in-flight work finished), and
// exits when its stdin closes (the test that started it has gone).
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../config/env';
import { loadPolicyFile } from '../../policies';
import { openDb } from '../../store/db';
import { generateActorKeys, loadActorKeys } from '../../temporal/actorClaims';
import { loadDataConverter } from '../../temporal/connection';
import { buildActivities } from '../../worker/activityDeps';
import { createWorker } from '../../worker/createWorker';
import type { CaseSettings } from '../../workflows/caseInput';

function need(name: string): string {
  const v = process.env[name]?.trim();
  if (!v) throw new Error(`caseWorkerProcess needs ${name}`);
  return v;
}

async function main(): Promise<void> {
  // The test holds our stdin open: when it goes away (the test's process died), so do we.
  process.stdin.on('close', () => process.exit(1));
  process.stdin.resume();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const address = need('TEMPORAL_ADDRESS');
  const namespace = need('TEMPORAL_NAMESPACE');
  const taskQueue = need('TEMPORAL_TASK_QUEUE');
  const signed = process.env.SIGNED_DECISIONS === 'true';
  const config = signed ? loadConfig(process.env) : null;
  const dataConverter = config ? await loadDataConverter(config) : undefined;
  const actorKeys = config ? await loadActorKeys(config, 'verify') : generateActorKeys();
  const lease = process.env.OUTBOX_LEASE_SECONDS;
  const settings: CaseSettings = {
    timeZone: 'Europe/London',
    checkTime: '01:00',
    remindAfterSchoolDays: 2,
    escalateAfterSchoolDays: 3,
    searchAttributes: true,
    simulation: {
      realStartMs: Number(need('SIM_REAL_START_MS')),
      simStart: need('SIM_START'),
      rate: Number(need('SIM_RATE')),
    },
    ...(process.env.SEND_ATTEMPT_TIMEOUT ? { sendAttemptTimeout: process.env.SEND_ATTEMPT_TIMEOUT } : {}),
  };
  const policy = loadPolicyFile(need('CASE_POLICY'));
  const db = await openDb({ databaseUrl: need('DATABASE_URL') });
  const client = new Client({
    connection: await Connection.connect({ address }),
    namespace,
    ...(dataConverter ? { dataConverter } : {}),
  });
  const connection = await NativeConnection.connect({ address });
  const worker: Worker = await createWorker({
    connection,
    namespace,
    taskQueue,
    ...(dataConverter ? { dataConverter } : {}),
    workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH,
    activities: buildActivities({
      db,
      temporal: client,
      taskQueue,
      caseSettings: settings,
      policyForSchool: async () => policy,
      smtpUrl: need('SMTP_URL'),
      mailFrom: 'Harbour Lane Attendance <attendance@harbour.example>',
      ...(lease ? { outboxLeaseSeconds: Number(lease) } : {}),
      actorKeys,
    }),
  });
  const running = worker.run();
  console.log('ready');
  await running;
  await connection.close();
  await client.connection.close();
  await db.close();
}

main().catch((err: unknown) => {
  console.error('[caseWorkerProcess] failed:', err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
