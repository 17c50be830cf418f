// "Now" for an activity is the instant its workflow considers now: the server's time in
// production, a school day of last year when a school previews a policy on a shifted clock. A
// meeting is never booked before that now, and its invitation carries that day's date.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { activityClock } from '../../activities/clock';
import type { Db } from '../../store/db';
import { buildActivities } from '../../worker/activityDeps';
import type { CaseSettings } from '../../workflows/attendanceCase';
import { startTimeSkippingServer } from '../support/temporal';
import { addPupil, mailTo, openStore, SCHOOL_ID, startSmtp, type LocalSmtp } from './support';
import type { bookAfterWaiting } from './workflows/bookAfterWaiting';

/** Fails with the innermost cause of a failed workflow (e.g. NoFreeSlot), not just that it failed. */
function becauseOf(err: unknown): never {
  let cause = err;
  while (cause instanceof Error && cause.cause) cause = cause.cause;
  throw new Error(`the booking failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
    cause: err,
  });
}

/** Reads the clock inside the mocked attempt's activity context. */
const inAttempt = (attempt: MockActivityEnvironment, clock: () => Date) =>
  attempt.run(async () => clock()) as Promise<Date>;

const LONDON = { timeZone: 'Europe/London', checkTime: '16:30' };
const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('the activity clock', () => {
  // Some instant of the server's own time at which a simulation started.
  const realStartMs = Date.parse('2026-11-30T09:12:00Z');

  it('maps a simulated run: three days and five minutes in, a run from Monday 21 October 2024 is Thursday 16:35', async () => {
    const clock = activityClock({
      caseSettings: { ...LONDON, simulation: { realStartMs, simStart: '2024-10-21' } },
    });
    // Only the activity's Info comes from the mock: when the server scheduled this attempt.
    const attempt = new MockActivityEnvironment({
      currentAttemptScheduledTimestampMs: realStartMs + 3 * DAY + 5 * 60_000,
    });
    // 16:30 on Monday 21 October (BST) is where the simulation starts; 16:35 BST is 15:35 UTC.
    expect((await inAttempt(attempt, clock)).toISOString()).toBe('2024-10-24T15:35:00.000Z');
  });

  it("is the server's time when nothing is simulated, and the injected or machine clock outside an activity", async () => {
    const serverMs = realStartMs + 2 * HOUR;
    const attempt = new MockActivityEnvironment({ currentAttemptScheduledTimestampMs: serverMs });
    const pinned = new Date('2024-10-21T10:00:00Z');
    const clock = activityClock({ caseSettings: LONDON, now: () => pinned });
    // Inside an activity the pinned clock gives way to the server's.
    expect((await inAttempt(attempt, clock)).getTime()).toBe(serverMs);
    expect(clock()).toBe(pinned);
    const before = Date.now();
    const machine = activityClock({})().getTime();
    expect(machine).toBeGreaterThanOrEqual(before);
    expect(machine).toBeLessThanOrEqual(Date.now());
  });
});

describe('booking in a simulation, on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let smtp: LocalSmtp;
  let pupilId: string;
  beforeAll(async () => {
    [env, db, smtp] = await Promise.all([startTimeSkippingServer(), openStore(), startSmtp()]);
    pupilId = await addPupil(db, {
      givenName: 'Amira',
      familyName: 'Khan',
      yearGroup: 4,
      contacts: [{ name: 'Sara Khan', email: 'sara.khan@example.org', phone: null }],
    });
  });
  afterAll(async () => {
    await smtp?.close();
    await db?.close();
    await env?.teardown();
  });

  it('never books a meeting before the simulated now, and dates the invitation on the simulated day', async () => {
    // The simulation starts on Monday 21 October 2024 at the check time, as the simulations do.
    const realStartMs = await env.currentTimeMs();
    const settings: CaseSettings = {
      ...LONDON,
      remindAfterSchoolDays: 2,
      escalateAfterSchoolDays: 3,
      searchAttributes: false,
      simulation: { realStartMs, simStart: '2024-10-21' },
    };
    const taskQueue = `clock-${randomUUID()}`;
    // The worker is built as the simulations build theirs, with no clock of its own.
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./workflows/bookAfterWaiting.ts', import.meta.url)),
      activities: buildActivities({
        db,
        temporal: env.client,
        taskQueue,
        caseSettings: settings,
        policyForSchool: () => Promise.reject(new Error('no policy in this test')),
        smtpUrl: smtp.url,
        mailFrom: 'Oakfield Attendance <attendance@oakfield.example>',
      }),
    });

    // The case waits two days, to Wednesday 23 October at 16:30, then books a meeting "from Monday
    // 21 October": every slot up to Wednesday afternoon is in the (simulated) past by then.
    const bookingId = randomUUID();
    const meeting = await worker.runUntil(
      env.client.workflow
        .execute<typeof bookAfterWaiting>('bookAfterWaiting', {
          taskQueue,
          workflowId: `clock-${bookingId}`,
          args: [
            {
              wait: '2 days',
              booking: {
                bookingId,
                caseId: `case-${SCHOOL_ID}-${pupilId}-20241021`,
                schoolId: SCHOOL_ID,
                pupilId,
                stageId: 'stage-one',
                stepId: 'attendance-support-meeting',
                kind: 'meeting',
                title: 'Attendance Support Meeting with parents/carers',
                earliestDate: '2024-10-21',
              },
            },
          ],
        })
        .catch(becauseOf),
    );
    // Thursday 24 October at 9:00 (BST): the first slot after the simulated now.
    expect(meeting.startsAt).toBe('2024-10-24T08:00:00.000Z');
    await smtp.waitFor(1);
    const invitation = smtp.received.find((m) => mailTo(m) === 'sara.khan@example.org')!;
    expect(invitation.text).toContain('Thursday 24 October 2024 at 9:00am');
    expect(invitation.text?.startsWith('23 October 2024')).toBe(true);
  });
});
