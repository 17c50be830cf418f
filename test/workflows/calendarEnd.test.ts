// A case that reaches the end of the school's calendar waits for next year's terms, with a task
// saying so, instead of failing; importing the new calendar lets it carry on from there.
import { signingClient } from '../support/actorKeys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SchoolCalendarFile } from '../../domain/types';
import { runImport } from '../../store/imports';
import { listStaffTasks } from '../../store/caseServices';
import { notifyCalendarImported } from '../../temporal/caseSignals';
import { CALENDAR, SCHOOL_ID, SCENARIO_TIMEOUT_MS, markPattern, startHarness, type Harness } from './harness';

const START = '2026-07-13'; // the last fortnight of the summer term (it ends on 22 July)
const stageTwo = markPattern((_d, s, i) => (i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null));

const NEXT_YEAR: SchoolCalendarFile = {
  ...CALENDAR,
  terms: [
    ...CALENDAR.terms,
    {
      name: 'Autumn',
      start: '2026-09-02',
      end: '2026-12-18',
      halfTerm: { start: '2026-10-26', end: '2026-10-30' },
    },
  ],
};

describe('a case at the end of the school calendar', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      policy: 'bradford-staged-intervention',
      start: START,
      scenario: 'calendar-end',
      pupils: [
        { key: 'ida', givenName: 'Ida', familyName: 'West', mark: stageTwo },
        // Never away until the last week but one, then away every day: he first meets a trigger when
        // a weekly check would fall after the last school day.
        {
          key: 'max',
          givenName: 'Max',
          familyName: 'Cole',
          mark: markPattern((d) => (d >= '2026-07-15' ? 'O' : null)),
        },
      ],
    });
    await h.sweep();
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it(
    'pauses with a reason and a task when its next window would run past the last school day',
    async () => {
      // Warning Letter 1 is followed by three school weeks of monitoring: past 22 July.
      const v = await h.view('ida');
      expect(v.status).toBe('paused');
      expect(v.pausedReason).toMatch(/the school calendar ends on 2026-07-22/);
      expect(v.pending).toEqual([]);
      expect(v.timeline.at(-1)).toMatchObject({ type: 'calendarEnded' });
      const tasks = await listStaffTasks(h.db, SCHOOL_ID, { caseId: v.caseId });
      expect(tasks).toEqual([
        expect.objectContaining({
          kind: 'calendar',
          owner: 'manager',
          title: expect.stringMatching(/Import the school calendar/),
        }),
      ]);
      expect(h.smtp.messages).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'still sweeps in the school year’s last week: a pupil whose window would end after it waits for the new calendar',
    async () => {
      // Thursday 16 July: Max now meets Stage One, whose two-week window would end after the last
      // school day (22 July). The sweep finishes (it used to fail for the whole school) and says
      // how many pupils wait for next year's calendar.
      while (h.today() < '2026-07-16') await h.advanceSchoolDays(1);
      const swept = await h.sweep();
      expect(swept).toMatchObject({ evaluated: 2, failed: [], waitingForCalendar: 1 });
      expect(await h.caseIdOf('max')).toBeNull();
      expect((await h.view('ida')).status).toBe('paused');
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'carries on once next year’s calendar is imported',
    async () => {
      await runImport(h.db, { schoolId: SCHOOL_ID, calendar: NEXT_YEAR });
      const client = signingClient({ connection: h.env.connection, namespace: h.env.namespace });
      expect(await notifyCalendarImported(h.db, client, SCHOOL_ID)).toBe(1);
      await h.waitForQuietCases();
      const v = await h.view('ida');
      expect(v.status).toBe('open');
      expect(v.timeline.some((t) => t.type === 'calendarResumed')).toBe(true);
      expect(v.pending.map((p) => p.step.stepId)).toEqual(['warning-letter-1']);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
