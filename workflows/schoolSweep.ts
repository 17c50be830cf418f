// The daily sweep of one school, started by a Temporal Schedule after the registers close.
// The work is one activity (it evaluates every pupil in a single pass over compact marks and
// signals-with-start the cases); the workflow gives it retries, history and a visible result.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { schoolDateAt } from '../domain/time';
import type { IsoDate } from '../domain/types';

const { sweepSchool } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '10 seconds', maximumAttempts: 5 },
});

export interface SchoolSweepInput {
  schoolId: string;
  /** The school day to evaluate; defaults to today in the school's time zone. */
  asOf?: IsoDate;
  timeZone?: string;
}

export async function schoolSweep(input: SchoolSweepInput) {
  const asOf = input.asOf ?? schoolDateAt(Date.now(), input.timeZone ?? 'Europe/London');
  return sweepSchool({ schoolId: input.schoolId, asOf });
}
