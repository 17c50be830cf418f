// A case keeps looking at new figures while a proposal waits for the team. When events overtake it
// (the pupil falls below 90% before anyone has approved the Stage One call), the proposal is
// withdrawn with its reason and the case moves on: nothing stale is sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseView } from '../../workflows/caseMessages';
import { createCaseDataActivities } from '../../activities/caseData';
import { SCHOOL_ID, markPattern, startHarness, type Harness } from './harness';

const START = '2025-11-17';
/** About 92% before START (Stage One), then away every day. */
const fallsAway = markPattern((date, s, i) => (date >= START ? 'O' : i % 6 === 0 && s === 'AM' ? 'O' : null));

describe('a proposal overtaken by events', () => {
  let h: Harness;
  let v: CaseView;
  let escalatedOn: string;
  /** The first school day Fay's own figures (read from the store) are below 90%. */
  let belowNinetyOn: string | null = null;
  beforeAll(async () => {
    h = await startHarness({
      policy: 'bradford-staged-intervention',
      start: START,
      scenario: 'withdrawal',
      pupils: [{ key: 'fay', givenName: 'Fay', familyName: 'Moor', mark: fallsAway }],
    });
    await h.sweep();
    expect((await h.pending('fay')).map((p) => p.step.stepId)).toEqual(['make-parents-aware']);
    // Nobody approves the call; Fay stays away, day after day.
    const { loadPupilFacts } = createCaseDataActivities({ db: h.db });
    for (let day = 0; day < 10 && (await h.view('fay')).stageId === 'stage-one'; day++) {
      await h.advanceSchoolDays(1);
      const facts = await loadPupilFacts({
        schoolId: SCHOOL_ID,
        pupilId: h.pupilIds.get('fay')!,
        asOf: h.today(),
      });
      if (belowNinetyOn === null && facts!.windows.rolling10.attendancePct! < 90) belowNinetyOn = h.today();
    }
    escalatedOn = h.today();
    v = await h.view('fay');
  }, 240_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('withdraws the waiting Stage One call, with its reason, when the pupil falls into Stage Two', () => {
    const order = v.timeline.map((t) => `${t.type}:${t.stepId ?? t.stageId ?? ''}`);
    const withdrawn = v.timeline.find((t) => t.type === 'withdrawn')!;
    // The same evening the figures show it, not when a reminder next wakes the case.
    expect(belowNinetyOn).not.toBeNull();
    expect(withdrawn).toMatchObject({ stepId: 'make-parents-aware', date: belowNinetyOn });
    expect(escalatedOn).toBe(belowNinetyOn);
    expect(withdrawn.text).toMatch(
      /^Make parents aware .*: withdrawn before anything was sent — the case has moved up to Stage Two \(mandatory\)/,
    );
    expect(order.indexOf('withdrawn:make-parents-aware')).toBeLessThan(
      order.indexOf('stageChanged:stage-two'),
    );
    expect(v.stageId).toBe('stage-two');
  });

  it('sends nothing for the withdrawn step, and proposes Stage Two’s first step instead', () => {
    expect(v.tasks ?? []).toEqual([]);
    expect(h.smtp.messages).toEqual([]);
    expect(v.pending.map((p) => p.step.stepId)).toEqual(['warning-letter-1']);
  });
});
