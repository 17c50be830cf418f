// Bradford Stage One: a pupil whose attendance is still at 90% has had 10 unauthorised sessions in
// the last 10 school weeks, the national threshold at which a school must *consider* a penalty
// notice. The case proposes that consideration to a manager; nothing goes to the family by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { buildCalendar } from '../../domain/calendar';
import { formatLongDateWithWeekday } from '../../letters/format';
import { listStaffTasks } from '../../store/caseServices';
import { CALENDAR, MANAGER, SCHOOL_ID, markPattern, startHarness, type Harness } from './harness';

// Friday 20 March 2026: the 10 school weeks to it run from Monday 5 January (half term skipped),
// 50 school days, 100 sessions.
const START = '2026-03-20';
const windowDays = buildCalendar(CALENDAR).schoolDaysBetween('2026-01-05', START);
/** Away without permission (O) on the morning of every fifth day of those ten weeks: 10 sessions. */
const tenUnauthorised = markPattern((date, s) =>
  s === 'AM' && windowDays.indexOf(date) % 5 === 0 ? 'O' : null,
);

describe('Bradford Stage One: the penalty-notice threshold is met', () => {
  let h: Harness;
  beforeAll(async () => {
    expect(windowDays).toHaveLength(50);
    h = await startHarness({
      scenario: 'bradford-penalty-notice',
      policy: 'bradford-staged-intervention',
      start: START,
      pupils: [
        {
          key: 'eli',
          givenName: 'Eli',
          familyName: 'Moss',
          contacts: [{ name: 'Dee Moss', email: 'dee.moss@example.org' }],
          mark: tenUnauthorised,
        },
      ],
    });
    await h.sweep();
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('opens the case at Stage One with the threshold in its figures', async () => {
    const v = await h.view('eli');
    expect(v.stageId).toBe('stage-one');
    expect(v.latestFacts).toMatchObject({ attendancePct: 90, unauthorised: 10 });
  });

  it('proposes penalty-notice consideration to a manager, with the sessions that met the threshold', async () => {
    // The team first makes the family aware (Stage One's first step), then the consideration
    // waits for a manager.
    const [aware] = await h.pending('eli');
    expect(aware?.step.stepId).toBe('make-parents-aware');
    await h.decide('eli', { proposalId: aware!.proposalId, decision: 'approve' });

    const [consider] = await h.pending('eli');
    expect(consider).toMatchObject({
      approver: 'manager',
      step: { stepId: 'stage-one-penalty-notice', kind: 'penaltyNoticeConsideration' },
    });
    expect(consider!.step.reasons.map((r) => r.text).join(' ')).toMatch(
      /10 sessions of G\/N\/O\/U in the 10 school weeks 2026-01-05 to 2026-03-20 meet the penalty-notice threshold/,
    );
    // The manager reads the sessions themselves, each with its date and code.
    const notes = consider!.plan?.kind === 'task' ? (consider!.plan.notes ?? '') : '';
    expect(notes.split('\n')[0]).toBe(
      '10 sessions of G, N, O, U in the 10 school weeks from 5 January 2026 to 20 March 2026 (the national threshold is 10; a notice is only ever considered):',
    );
    expect(notes.split('\n').slice(1)).toEqual(
      windowDays.filter((_, i) => i % 5 === 0).map((d) => `- ${formatLongDateWithWeekday(d)} AM: O`),
    );

    // An officer cannot decide it; a manager can.
    const officerTry = await h.decide('eli', { proposalId: consider!.proposalId, decision: 'approve' }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(officerTry).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((officerTry as WorkflowUpdateFailedError).cause?.message).toMatch(/reserved for a manager/);
    await h.decide('eli', { proposalId: consider!.proposalId, decision: 'approve', actor: MANAGER });

    const v = await h.view('eli');
    const approved = v.timeline.find((t) => t.type === 'approved' && t.stepId === 'stage-one-penalty-notice');
    expect(approved?.actor).toEqual(MANAGER);
    const tasks = await listStaffTasks(h.db, SCHOOL_ID, { caseId: v.caseId });
    expect(tasks.filter((t) => t.stepId === 'stage-one-penalty-notice')).toEqual([
      expect.objectContaining({ kind: 'penaltyNoticeConsideration', status: 'open' }),
    ]);
  });

  it('sends the family nothing about a penalty notice by itself', () => {
    expect(h.smtp.messages.filter((m) => /penalty/i.test(`${m.subject} ${m.text}`))).toEqual([]);
  });
});
