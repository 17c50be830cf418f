// The daily sweep makes a case's routine checks (docs/cost.md). Two pupils in one school have the same
// register, about 80%, unauthorised one day in five. Mia's case is as cases are now: the sweep judges
// it each evening with the same decide() and the state the case last projected, and wakes it only when
// a decision changes. Leo's case is started as cases ran before: it checks its figures weekly for
// itself and the sweep sends it every change in his figures. Both cases must do exactly the same
// things on the same days (the differential), while Mia's costs almost nothing in the quiet weeks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseIdFor } from '../../activities/caseData';
import { buildCalendar } from '../../domain/calendar';
import { loadPolicyFile } from '../../policies';
import { CURRENT_ENGINE } from '../../workflows/caseInput';
import type { TimelineEvent } from '../../workflows/caseMessages';
import {
  CALENDAR,
  SCENARIO_TIMEOUT_MS,
  SCHOOL_ID,
  markPattern,
  startHarness,
  type Harness,
  type History,
} from './harness';

const START = '2025-11-17'; // a Monday
const eightyPercent = markPattern((_d, _s, i) => (i % 5 === 0 ? 'O' : null));

const signalsOf = (histories: History[]) =>
  histories.flatMap((h) => h.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
const timersOf = (histories: History[]) =>
  histories.flatMap((h) => h.events ?? []).filter((e) => e.timerStartedEventAttributes).length;

/** What a case did, as a manager reads it: every event but the case's own notes of a routine check. */
const deeds = (timeline: TimelineEvent[]) =>
  timeline.filter((e) => e.type !== 'check').map((e) => `${e.date} ${e.type} ${e.stageId ?? ''} ${e.text}`);

describe('the sweep checks open cases for them', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      scenario: 'sweep-checks',
      policy: 'three-letter-system',
      start: START,
      mailer: 'outbox',
      pupils: [
        { key: 'mia', givenName: 'Mia', familyName: 'Hart', mark: eightyPercent },
        { key: 'leo', givenName: 'Leo', familyName: 'Hart', mark: eightyPercent },
      ],
    });
    // Leo's case starts as a case of the last release would: it checks for itself.
    const leo = h.pupilIds.get('leo')!;
    const caseId = caseIdFor(SCHOOL_ID, leo, START);
    await h.client.workflow.start('attendanceCase', {
      taskQueue: h.taskQueue,
      workflowId: caseId,
      args: [
        {
          caseId,
          schoolId: SCHOOL_ID,
          pupilId: leo,
          policy: loadPolicyFile('three-letter-system'),
          settings: h.settings,
          engine: CURRENT_ENGINE,
          carried: { sweepChecks: false },
        },
      ],
    });
    await h.sweep(); // Monday evening: Mia's case opens, Leo's takes the day's figures
  }, 120_000);

  afterAll(async () => {
    await h?.shutdown();
  });

  it(
    'sends a quiet case nothing for three school weeks, yet its page has each evening’s figures',
    async () => {
      expect((await h.view('mia')).sweepChecks).toBe(true);
      expect((await h.view('leo')).sweepChecks).toBeUndefined();
      const before = { mia: signalsOf(await h.histories('mia')), leo: signalsOf(await h.histories('leo')) };
      for (let day = 0; day < 15; day++) {
        await h.advanceSchoolDays(1);
        const mia = await h.view('mia');
        // Each evening the page shows that evening's figures, with the next routine check ahead.
        expect(mia.latestFacts?.asOf).toBe(h.today());
        expect(mia.next.on! > h.today()).toBe(true);
      }
      const mia = await h.histories('mia');
      const leo = await h.histories('leo');
      // Mia's case heard nothing from the sweep and set no timer in the quiet weeks but its window's.
      expect(signalsOf(mia) - before.mia).toBe(0);
      // Leo's case, checking for itself, was sent his moving figures most evenings.
      expect(signalsOf(leo) - before.leo).toBeGreaterThanOrEqual(10);
      expect(timersOf(leo)).toBeGreaterThan(timersOf(mia) + 10);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'still acts on the same day as a case that checks for itself: Letter 2 when the window ends without improvement',
    async () => {
      const windowEnds = buildCalendar(CALENDAR).addSchoolDays(START, 20);
      while (h.today() < windowEnds) await h.advanceSchoolDays(1);
      const mia = await h.view('mia');
      const leo = await h.view('leo');
      expect(mia.stageId).toBe('letter-two');
      expect(mia.pending.map((p) => [p.step.stepId, p.proposedOn])).toEqual([['letter-2', windowEnds]]);
      // The differential: every event, date and stage the same, with each pupil's own name.
      expect(deeds(mia.timeline)).toEqual(deeds(leo.timeline).map((line) => line.replaceAll('Leo', 'Mia')));
      expect(deeds(mia.timeline).length).toBeGreaterThanOrEqual(4);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
