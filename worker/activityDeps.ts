// Builds every activity with its real services: the store, the mailer (SMTP when configured,
// otherwise the outbox holds mail for the web app), the Temporal client the sweep signals with.
import type { Client } from '@temporalio/client';
import type { Policy } from '../domain/policy/schema';
import type { ActorKeys } from '../temporal/actorClaims';
import type { Db } from '../store/db';
import { createActivities } from '../activities';
import { SmtpMailer } from '../messaging/smtpMailer';
import type { Mailer } from '../messaging/types';
import type { IntegrationServices } from '../integrations/services';
import type { WondeClientOptions } from '../integrations/wonde/client';
import type { CaseSettings } from '../workflows/attendanceCase';

export interface BuildActivitiesOptions {
  db: Db;
  temporal: Client;
  taskQueue: string;
  caseSettings: CaseSettings;
  policyForSchool: (schoolId: string) => Promise<Policy>;
  smtpUrl: string | undefined;
  mailFrom: string;
  staffEmail?: string;
  /**
   * The clock for activities called outside a worker (scripts, tests that call them directly).
   * Activities run by a worker take "now" from the workflow's clock instead, shifted like it in a
   * simulation (activities/clock.ts): neither production nor a simulation needs to pass this.
   */
  now?: () => Date;
  outboxLeaseSeconds?: number;
  /** A mailer to use instead of the SMTP one built from smtpUrl (e.g. an instrumented one in tests). */
  mailer?: Mailer | null;
  /** The public keys decisions must be signed with (temporal/actorClaims.ts); without them every decision is refused. */
  actorKeys?: ActorKeys;
  /** Each school's MIS and GOV.UK Notify (integrations/services.ts); absent: neither is used. */
  integrations?: IntegrationServices;
  /** Client settings tests shorten (the MIS client's backoff). */
  misClient?: Partial<WondeClientOptions>;
}

export function buildActivities(opts: BuildActivitiesOptions) {
  const mailer =
    opts.mailer !== undefined
      ? opts.mailer
      : opts.smtpUrl
        ? new SmtpMailer({ url: opts.smtpUrl, from: opts.mailFrom })
        : null;
  return createActivities({
    db: opts.db,
    mailer,
    mailFrom: opts.mailFrom,
    staffEmail: opts.staffEmail,
    now: opts.now,
    outboxLeaseSeconds: opts.outboxLeaseSeconds,
    temporal: opts.temporal,
    taskQueue: opts.taskQueue,
    caseSettings: opts.caseSettings,
    policyForSchool: opts.policyForSchool,
    actorKeys: opts.actorKeys,
    timeZone: opts.caseSettings.timeZone,
    ...(opts.misClient ? { misClient: opts.misClient } : {}),
    ...(opts.integrations
      ? {
          misConnectionFor: opts.integrations.misConnectionFor,
          notifyFor: opts.integrations.notifyFor,
          schoolIds: opts.integrations.schoolIds,
        }
      : {}),
  });
}
