// The activities that talk to a school's outside services on a schedule: the sync from its MIS and
// the check of what became of the letters and messages GOV.UK Notify was given. Each reads the
// school's connection when it runs, so a token changed in Integrations takes effect at the next run.
import { ApplicationFailure } from '@temporalio/common';
import { heartbeat } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { schoolDateAt } from '../domain/time';
import { activityClock, type ClockDeps } from './clock';
import type { MisConnection, NotifyConnection } from '../integrations/connections';
import { checkSchoolDeliveries, type DeliveryCheckResult } from '../integrations/deliveryStatus';
import type { NotifyTransport } from '../messaging/notify';
import { syncFromMis, MisSyncStopped, type MisSyncResult } from '../integrations/misSync';
import { MisApiError, type WondeClientOptions } from '../integrations/wonde/client';
import type { Db } from '../store/db';
import type { MisSyncRecord } from '../store/integrations';

export interface IntegrationDeps extends ClockDeps {
  db: Db;
  /** The school's MIS connection (settings or environment), the secret opened; null when none. */
  misConnectionFor?: (schoolId: string) => Promise<MisConnection | null>;
  /** The school's Notify connection; null when none. */
  notifyConnectionFor?: (schoolId: string) => Promise<NotifyConnection | null>;
  /** The schools' time zone. */
  timeZone?: string;
  /** Client settings tests shorten (backoff). */
  misClient?: Partial<WondeClientOptions>;
  /** The school's Notify transport (cached per connection): the status check asks it. */
  notifyFor?: (schoolId: string) => Promise<NotifyTransport | null>;
  /** The schools that may have Notify (stored or from the environment). */
  schoolIds?: () => Promise<string[]>;
  /** Cases are told of delivery reports by signal. */
  temporal?: Client;
}

export type MisSyncActivityResult = MisSyncResult | { status: 'notConnected' };

export function createIntegrationActivities(deps: IntegrationDeps) {
  return {
    async syncSchoolFromMis(input: {
      schoolId: string;
      trigger: MisSyncRecord['trigger'];
    }): Promise<MisSyncActivityResult> {
      const connection = (await deps.misConnectionFor?.(input.schoolId)) ?? null;
      if (!connection) return { status: 'notConnected' };
      const beat = setInterval(() => safeHeartbeat(), 10_000);
      try {
        return await syncFromMis({
          db: deps.db,
          connection,
          schoolId: input.schoolId,
          trigger: input.trigger,
          // The workflow's now: a case simulated on last year's calendar syncs last year's marks.
          now: activityClock(deps),
          ...(deps.timeZone ? { timeZone: deps.timeZone } : {}),
          ...(deps.misClient ? { client: deps.misClient } : {}),
        });
      } catch (err) {
        throw asSyncFailure(err);
      } finally {
        clearInterval(beat);
      }
    },

    /** Reads back what Notify did with each school's recent letters and messages (docs/integrations.md). */
    async checkNotifyDeliveries(): Promise<DeliveryCheckResult & { schools: number }> {
      const total = { checked: 0, changed: 0, casesTold: 0, errors: 0, schools: 0 };
      if (!deps.notifyFor || !deps.temporal || !deps.schoolIds) return total;
      const timeZone = deps.timeZone ?? 'Europe/London';
      let failure: unknown = null;
      for (const schoolId of await deps.schoolIds()) {
        const notify = await deps.notifyFor(schoolId).catch(() => null);
        if (!notify) continue;
        safeHeartbeat();
        // One school's trouble must not stop the others' reports; the activity fails (and is tried
        // again, telling nothing twice) only after every school has had its turn.
        try {
          const r = await checkSchoolDeliveries(
            {
              db: deps.db,
              temporal: deps.temporal,
              notify,
              today: () => schoolDateAt(activityClock(deps)().getTime(), timeZone),
            },
            schoolId,
          );
          total.schools++;
          total.checked += r.checked;
          total.changed += r.changed;
          total.casesTold += r.casesTold;
          total.errors += r.errors;
        } catch (err) {
          failure ??= err;
        }
      }
      if (failure) throw failure;
      return total;
    },
  };
}

function safeHeartbeat(): void {
  try {
    heartbeat();
  } catch {
    // called outside an activity (a test calling the function directly)
  }
}

/**
 * A refusal that another try minutes later will not mend (a wrong token, an unmapped code, a bad
 * record) fails the sync at once; the MIS being busy or down is tried again by Temporal.
 */
function asSyncFailure(err: unknown): unknown {
  if (err instanceof MisSyncStopped)
    return ApplicationFailure.create({ type: 'MisSyncStopped', message: err.message, nonRetryable: true });
  if (err instanceof MisApiError)
    return ApplicationFailure.create({
      type: 'MisApiError',
      message: err.message,
      nonRetryable: !err.retryable,
    });
  return err;
}
