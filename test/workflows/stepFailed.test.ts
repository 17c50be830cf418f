// A step the system cannot do by itself becomes a task for a person, and the case goes on. Here two
// families are asked to a meeting in school on the same day: the officer amends the second
// meeting to a time that the only member of staff already has booked, so it cannot be booked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMeetingsForCase, listStaffTasks } from '../../store/caseServices';
import type { CaseView } from '../../workflows/caseMessages';
import { SCHOOL_ID, markPattern, startHarness, type Harness } from './harness';

const START = '2025-11-17';
/** About 92%, an unauthorised absence every sixth morning: Stage Three of the five-stage plan. */
const stageThree = markPattern((_d, s, i) => (i % 6 === 0 && s === 'AM' ? 'O' : null));

describe('a step the system cannot do becomes a task for the team', () => {
  let h: Harness;
  let lea: CaseView;
  let max: CaseView;
  let leaStart: string;

  beforeAll(async () => {
    h = await startHarness({
      scenario: 'five-stage-step-failed',
      policy: 'five-stage-escalation',
      start: START,
      pupils: [
        {
          key: 'lea',
          givenName: 'Lea',
          familyName: 'Hart',
          contacts: [{ name: 'Kim Hart', email: 'kim.hart@example.org' }],
          mark: stageThree,
        },
        {
          key: 'max',
          givenName: 'Max',
          familyName: 'Pike',
          contacts: [{ name: 'Sam Pike', email: 'sam.pike@example.org' }],
          mark: stageThree,
        },
      ],
    });
    await h.sweep();
    const [leaMeeting] = await h.pending('lea');
    const [maxMeeting] = await h.pending('max');
    expect(leaMeeting?.step.stepId).toBe('attendance-meeting');
    expect(maxMeeting?.step.stepId).toBe('attendance-meeting');

    await h.decide('lea', { proposalId: leaMeeting!.proposalId, decision: 'approve' });
    const [booked] = await listMeetingsForCase(h.db, (await h.view('lea')).caseId);
    leaStart = booked!.startsAt;
    // The officer moves Max's meeting to the very time Lea's family already has.
    await h.decide('max', {
      proposalId: maxMeeting!.proposalId,
      decision: 'amend',
      amendedMeetingStart: leaStart,
    });
    lea = await h.view('lea');
    max = await h.view('max');
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('books the first family’s meeting and invites them', () => {
    expect(lea.timeline.some((t) => t.type === 'meetingBooked' && t.stepId === 'attendance-meeting')).toBe(
      true,
    );
    const invites = h.smtp.messages.filter((m) => /Lea/.test(m.subject ?? ''));
    expect(invites).toHaveLength(1);
  });

  it('records that the second meeting could not be booked, and why, and gives the team a task to do it by hand', async () => {
    const failed = max.timeline.filter((t) => t.stepId === 'attendance-meeting' && t.type === 'stepFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.text).toMatch(
      /could not be done automatically \(the requested time .* is already booked/,
    );
    expect(max.timeline.some((t) => t.type === 'meetingBooked')).toBe(false);
    expect(await listMeetingsForCase(h.db, max.caseId)).toEqual([]);

    const tasks = await listStaffTasks(h.db, SCHOOL_ID, { caseId: max.caseId });
    const byHand = tasks.filter((t) => t.stepId === 'attendance-meeting');
    expect(byHand).toEqual([
      expect.objectContaining({
        kind: 'staffTask',
        status: 'open',
        dueOn: h.calendar.addSchoolDays(START, 1),
      }),
    ]);
    expect(byHand[0]!.title).toMatch(/^Do by hand: Parents requested to attend a meeting in school/);
    expect(failed[0]!.ref).toBe(byHand[0]!.id);
  });

  it('sends the second family no invitation, and carries on with the case', () => {
    expect(h.smtp.messages.filter((m) => /Max/.test(m.subject ?? ''))).toEqual([]);
    expect(max.status).toBe('open');
    expect(max.stageId).toBe('stage-three');
    expect(max.pending).toEqual([]);
  });
});
