// Work for a person is done when someone records what happened, not when the task is made. A phone
// call goes to the team with its script and the numbers to ring; a home visit waits for its outcome;
// only then does the policy count the step as done (and start the window that follows it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewProposal } from '../../api/services/letterPreview';
import { getStaffTask } from '../../store/caseServices';
import { OFFICER, SCENARIO_TIMEOUT_MS, markPattern, startHarness, type Harness } from './harness';

const START = '2025-11-17';
/** About 92%, an unauthorised absence every sixth morning: Bradford Stage One. */
const stageOne = markPattern((_d, s, i) => (i % 6 === 0 && s === 'AM' ? 'O' : null));
/** About 86%: Stage Two. */
const stageTwo = markPattern((_d, s, i) => (i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null));

describe('tasks for the attendance team', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      policy: 'bradford-staged-intervention',
      start: START,
      scenario: 'tasks',
      pupils: [
        {
          key: 'rio',
          givenName: 'Rio',
          familyName: 'Dale',
          contacts: [{ name: 'Ana Dale', email: 'ana.dale@example.org', phone: '07700 900123' }],
          mark: stageOne,
        },
        { key: 'kit', givenName: 'Kit', familyName: 'Shaw', flags: ['cp'], mark: stageTwo },
      ],
    });
    await h.sweep();
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it(
    'gives the team a call to make, with its script and the number, done only when the call is made',
    async () => {
      let v = await h.view('rio');
      const [proposal] = v.pending;
      expect(proposal?.step.stepId).toBe('make-parents-aware');
      const preview = await previewProposal(h.db, v, proposal!, h.today());
      expect(preview.kind).toBe('call');
      expect(preview.text).toContain('Call Ana Dale about Rio Dale');
      expect(preview.text).toContain('To call: Ana Dale, 07700 900123');
      await h.decide('rio', { proposalId: proposal!.proposalId, decision: 'approve' });

      v = await h.view('rio');
      const task = v.tasks!.find((t) => t.stepId === 'make-parents-aware')!;
      expect(task).toMatchObject({ kind: 'phoneCall', status: 'open', owner: OFFICER.userId });
      expect(task.notes).toContain('Ask about each missing mark and record the reason given.');
      expect(task.notes).toContain('To call: Ana Dale: 07700 900123');
      expect((await getStaffTask(h.db, task.taskId))!.notes).toBe(task.notes);
      expect(v.timeline.find((t) => t.type === 'taskCreated')?.text).toMatch(
        /a task for the attendance team/,
      );
      // Not done yet: no monitoring window has started.
      expect(v.caseState.completedSteps.some((c) => c.stepId === 'make-parents-aware')).toBe(false);
      expect(v.monitoringUntil).toBeNull();

      // No answer: the attempt is recorded, the task stays open.
      await h.completeTask('rio', 'make-parents-aware', 'noAnswer', { note: 'voicemail left' });
      v = await h.view('rio');
      expect(v.timeline.at(-1)).toMatchObject({
        type: 'taskAttempt',
        text: expect.stringMatching(/No answer/),
      });
      expect(v.monitoringUntil).toBeNull();

      // An outcome cannot be dated ahead, nor be one the task does not have.
      const tomorrow = h.calendar.addSchoolDays(h.today(), 1);
      await expect(
        h.completeTask('rio', 'make-parents-aware', 'spoke', { on: tomorrow }),
      ).rejects.toMatchObject({
        cause: { message: expect.stringMatching(/is in the future/) },
      });
      await expect(h.completeTask('rio', 'make-parents-aware', 'maybe')).rejects.toMatchObject({
        cause: { message: expect.stringMatching(/is not an outcome of this task/) },
      });

      // The next day the call is made: the step is done that day, and the two weeks begin.
      await h.advanceSchoolDays(1);
      await h.completeTask('rio', 'make-parents-aware', 'spoke');
      v = await h.view('rio');
      expect(v.caseState.completedSteps).toContainEqual({
        stageId: 'stage-one',
        stepId: 'make-parents-aware',
        on: h.today(),
        result: 'done',
      });
      expect(v.monitoringUntil).toBe(h.calendar.addSchoolWeeks(h.today(), 2));
      expect(await getStaffTask(h.db, task.taskId)).toMatchObject({
        status: 'done',
        outcome: 'spoke',
        completedBy: OFFICER.userId,
        completedOn: h.today(),
      });
    },
    SCENARIO_TIMEOUT_MS,
  );

  it('keeps a home visit open until its outcome is recorded, then counts it done with that outcome', async () => {
    // Kit has a Child Protection plan: the announced home visit comes first, then Warning Letter 1.
    let v = await h.view('kit');
    const [visit] = v.pending;
    expect(visit?.step.stepId).toBe('announced-home-visit');
    await h.decide('kit', { proposalId: visit!.proposalId, decision: 'approve' });
    v = await h.view('kit');
    // Booked in the diary (the family is told its date), and open until its outcome is recorded.
    expect(v.timeline.some((t) => t.type === 'meetingBooked' && t.stepId === 'announced-home-visit')).toBe(
      true,
    );
    expect(v.tasks!.find((t) => t.stepId === 'announced-home-visit')).toMatchObject({
      kind: 'homeVisit',
      status: 'open',
    });
    expect(v.pending.map((p) => p.step.stepId)).toEqual(['warning-letter-1']);
    expect(v.caseState.completedSteps.some((c) => c.stepId === 'announced-home-visit')).toBe(false);

    await h.completeTask('kit', 'announced-home-visit', 'visited', {
      note: 'Mum at home; agreed to a meeting',
    });
    v = await h.view('kit');
    expect(v.caseState.completedSteps).toContainEqual(
      expect.objectContaining({ stepId: 'announced-home-visit', result: 'done', on: h.today() }),
    );
    expect(v.caseState.outcomes).toContainEqual(
      expect.objectContaining({ kind: 'homeVisitCompleted', stepId: 'announced-home-visit' }),
    );
    expect(v.timeline.filter((t) => t.type === 'taskCompleted').map((t) => t.stepId)).toEqual([
      'announced-home-visit',
    ]);
  });
});
