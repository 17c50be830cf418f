// A sync from a school's MIS, started by the school's Schedule (after the registers close, and
// before the daily sweep) or by a person's "sync now". The work is one activity: it fetches what
// changed and imports it in one transaction. The MIS being busy is retried here, with backoff; a
// refusal no retry mends (a wrong token, an unmapped register code) fails at once, on the record.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { syncSchoolFromMis } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '1 minute',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    maximumAttempts: 4,
  },
});

export interface MisSyncInput {
  schoolId: string;
  trigger?: 'schedule' | 'manual';
}

export async function misSync(input: MisSyncInput) {
  return syncSchoolFromMis({ schoolId: input.schoolId, trigger: input.trigger ?? 'schedule' });
}
