// The daily sweep of one school, started by a Temporal Schedule after the registers close.
// The work is one activity (it evaluates every pupil in a single pass over compact marks and
// signals-with-start the cases); the workflow gives it retries, history and a visible result.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { schoolDateAt } from '../domain/time';
import type { IsoDate } from '../domain/types';

const { sweepSchool } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '10 seconds', maximumAttempts: 5 },
});

/**
 * A sweep that heartbeats as it goes (every 50 pupils): on a busy cluster a large school's sweep can
 * take longer than 10 minutes, which timed it out and ran a second attempt beside the first. It now
 * has two hours, and one whose worker died is retried after its heartbeat stops for two minutes.
 */
const { sweepSchool: sweepSchoolHeartbeating } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
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
  // Sweeps started from this release on heartbeat (docs/workflow-versioning.md).
  if (patched('sweep-heartbeat')) return sweepSchoolHeartbeating({ schoolId: input.schoolId, asOf });
  return sweepSchool({ schoolId: input.schoolId, asOf });
}
