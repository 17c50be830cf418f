// What a worker needs, built from the configuration: the same for the standalone worker
// (worker/main.ts, with a PostgreSQL server) and the worker embedded in the API process
// (worker/embedded.ts, with the embedded database).
import type { Client } from '@temporalio/client';
import { type AppConfig } from '../config/env';
import { policyForSchool } from '../policies/schoolPolicy';
import type { Db } from '../store/db';
import { listSchools } from '../store/schools';
import type { ActorKeys } from '../temporal/actorClaims';
import {
  ensureDeliveryCheckSchedule,
  ensureMisSyncSchedule,
  ensureSweepSchedule,
} from '../temporal/schedules';
import { misConfigured, notifyConfigured } from '../integrations/connections';
import { integrationServices } from '../integrations/services';
import type { CaseSettings } from '../workflows/attendanceCase';
import { buildActivities } from './activityDeps';

export function caseSettingsFromConfig(config: AppConfig): CaseSettings {
  return {
    timeZone: config.SCHOOL_TIMEZONE,
    checkTime: config.SWEEP_TIME,
    // An approval waits two school days for a reminder, then three more before a manager gets it.
    remindAfterSchoolDays: 2,
    escalateAfterSchoolDays: 3,
    searchAttributes: true,
  };
}

export function activitiesFromConfig(config: AppConfig, db: Db, temporal: Client, actorKeys: ActorKeys) {
  return buildActivities({
    db,
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    caseSettings: caseSettingsFromConfig(config),
    policyForSchool: (schoolId) => policyForSchool(db, schoolId),
    smtpUrl: config.SMTP_URL,
    mailFrom: config.MAIL_FROM,
    staffEmail: config.ADMIN_EMAIL,
    actorKeys,
    integrations: integrationServices(db, config),
  });
}

/** Makes sure every school has its daily sweep schedule (idempotent; updates the time if changed). */
export async function ensureSweepSchedules(config: AppConfig, db: Db, temporal: Client): Promise<string[]> {
  const ids: string[] = [];
  for (const school of await listSchools(db)) {
    ids.push(
      await ensureSweepSchedule(temporal, {
        schoolId: school.id,
        time: config.SWEEP_TIME,
        timeZone: config.SCHOOL_TIMEZONE,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
      }),
    );
  }
  ids.push(...(await ensureIntegrationSchedules(config, db, temporal)));
  return ids;
}

/**
 * Each school with an MIS gets its sync schedule, and, when any school has GOV.UK Notify, the
 * deployment gets the delivery check. (Integrations saved in the web app do the same at once.)
 */
export async function ensureIntegrationSchedules(
  config: AppConfig,
  db: Db,
  temporal: Client,
): Promise<string[]> {
  const ids: string[] = [];
  let anyNotify = false;
  for (const { id: schoolId } of await listSchools(db)) {
    if (await misConfigured(db, config, schoolId))
      ids.push(
        await ensureMisSyncSchedule(temporal, {
          schoolId,
          times: config.MIS_SYNC_TIMES.split(','),
          sweepTime: config.SWEEP_TIME,
          timeZone: config.SCHOOL_TIMEZONE,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
        }),
      );
    if (!anyNotify && (await notifyConfigured(db, config, schoolId))) anyNotify = true;
  }
  if (anyNotify)
    ids.push(await ensureDeliveryCheckSchedule(temporal, { taskQueue: config.TEMPORAL_TASK_QUEUE }));
  return ids;
}
