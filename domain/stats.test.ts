// Scenarios for the pupil figures. Every expected number is worked out by hand in the comment
// beside it, from the 2024-25 test calendar (see testFixtures.ts):
//   Autumn 4 Sep-20 Dec, half term 28 Oct-1 Nov, INSET Mon 4 Nov;
//   Spring 6 Jan-4 Apr, half term 17-21 Feb; Summer 22 Apr-22 Jul, bank holiday 5 May, half term 26-30 May.
import { describe, expect, it } from 'vitest';
import { MarkGrid } from './marks';
import {
  BATCH_PENALTY_MET,
  BATCH_PERSISTENT,
  computePupilFacts,
  computeRolling10ForMany,
  computeWindowStats,
  evaluatePupil,
  percent2,
  percentHundredths,
  prepareEvaluation,
  type EvaluationOptions,
  type PupilInput,
} from './stats';
import { calendar2024, calendarTwoYears, fill, markDays, presentGrid } from './testFixtures';
import type { IsoDate } from './types';

const cal = calendar2024();
const pupil: PupilInput = { pupilId: 'pupil-1', upn: 'A123456789012', yearGroup: 8, flags: ['send'] };

function factsOn(
  grid: MarkGrid,
  asOf: IsoDate,
  extra: Partial<PupilInput> = {},
  opts: EvaluationOptions = {},
) {
  return computePupilFacts({ pupil: { ...pupil, ...extra }, grid, calendar: cal, asOf, ...opts });
}

describe('exact percentages', () => {
  it.each([
    [171, 190, 9000, 'exactly 90.00%'],
    [95, 190, 5000, 'exactly 50.00%'],
    [1, 3, 3333, '33.333...'],
    [2, 3, 6667, '66.666...'],
    [1, 160, 63, '0.625 rounds half up'],
    [159, 160, 9938, '99.375 rounds half up'],
    [23, 160, 1438, '14.375 rounds half up; Math.round((23 / 160) * 100 * 100) / 100 gives 14.37'],
    [0, 5, 0, 'none'],
    [5, 5, 10000, 'all'],
  ])('%i / %i = %i hundredths (%s)', (num, den, hundredths) => {
    expect(percentHundredths(num, den)).toBe(hundredths);
  });

  it('is null with no possible sessions', () => {
    expect(percent2(0, 0)).toBeNull();
  });
});

describe('one window', () => {
  // 9-20 Sep: two full school weeks, 10 days, 20 possible sessions.
  it.each([
    [1, 95, 5, false, false],
    [2, 90, 10, true, false], // exactly 90.00% attendance is persistent absence (absence >= 10%)
    [9, 55, 45, true, false],
    [10, 50, 50, true, true], // exactly 50.00% is severe
  ])(
    '%i absent sessions of 20: attendance %d%%, absence %d%%, persistent %s, severe %s',
    (absent, att, abs, pa, sa) => {
      const grid = presentGrid(cal, '2024-09-09', '2024-09-20');
      const days = cal.schoolDaysBetween('2024-09-09', '2024-09-20');
      for (let i = 0; i < absent; i++) grid.set(days[i >> 1]!, i & 1 ? 'PM' : 'AM', 'O');
      const s = computeWindowStats(grid, cal, '2024-09-09', '2024-09-20');
      expect(s).toMatchObject({ possible: 20, unauthorised: absent, attendancePct: att, absencePct: abs });
      expect([s.persistentAbsence, s.severeAbsence]).toEqual([pa, sa]);
    },
  );

  it('171 of 190 sessions is exactly 90.00% and persistent', () => {
    // The first 95 school days: 4 Sep to the 95th, with 9 days of illness and one AM of O.
    const to = cal.addSchoolDays('2024-09-04', 94);
    const grid = presentGrid(cal, '2024-09-04', to);
    markDays(grid, cal.schoolDaysBetween('2024-09-16', '2024-09-26'), 'I'); // 9 school days
    grid.set('2024-10-01', 'AM', 'O');
    const s = computeWindowStats(grid, cal, '2024-09-04', to, 'custom');
    expect(s).toMatchObject({
      possible: 190,
      present: 171,
      authorised: 18,
      unauthorised: 1,
      attendancePct: 90,
      absencePct: 10,
      daysMissed: 9.5, // 19 sessions / 2
      lessonsMissed: 47.5, // 9.5 days x 5 lessons
      persistentAbsence: true,
      severeAbsence: false,
    });
  });

  it('counts lates, late-after-close, approved activities and unmarked sessions', () => {
    const grid = presentGrid(cal, '2024-09-09', '2024-09-13');
    grid.set('2024-09-09', 'AM', 'L'); // late before the register closed: present
    grid.set('2024-09-10', 'AM', 'U'); // after the register closed: unauthorised absence
    grid.clear('2024-09-11', 'PM'); // no mark yet: not possible, counted as unmarked
    grid.set('2024-09-12', 'AM', 'V'); // educational visit: attendance
    const s = computeWindowStats(grid, cal, '2024-09-09', '2024-09-13');
    expect(s).toMatchObject({
      schoolWeeks: 1,
      possible: 9,
      present: 7,
      approvedActivity: 1,
      unauthorised: 1,
      lateBeforeClose: 1,
      lateAfterClose: 1,
      unmarked: 1,
      attendancePct: 88.89, // 8/9
      absencePct: 11.11,
    });
  });

  it('weeks coded entirely X or # are not possible, but still school weeks', () => {
    const grid = presentGrid(cal, '2024-09-04', '2024-09-13');
    fill(grid, cal, '2024-09-16', '2024-09-20', 'X');
    fill(grid, cal, '2024-09-23', '2024-09-27', '#');
    const s = computeWindowStats(grid, cal, '2024-09-04', '2024-09-27');
    // 4-6 Sep and 9-13 Sep: 8 days, 16 sessions.
    expect(s).toMatchObject({ schoolWeeks: 4, possible: 16, present: 16, unmarked: 0, attendancePct: 100 });
    const allX = computeWindowStats(grid, cal, '2024-09-16', '2024-09-27');
    expect(allX).toMatchObject({
      possible: 0,
      attendancePct: null,
      absencePct: null,
      persistentAbsence: false,
    });
  });
});

describe('pupil facts', () => {
  it('a half term inside the rolling 10 school weeks', () => {
    // 10 school weeks ending Wed 20 Nov: 9 Sep-25 Oct (7 weeks, 35 days) + 5-20 Nov (12 days; the
    // half-term week is not a school week, 4 Nov is INSET) = 47 days, 94 sessions.
    const grid = presentGrid(cal, '2024-09-04', '2024-11-20');
    markDays(grid, ['2024-10-25', '2024-11-05'], 'N');
    const f = factsOn(grid, '2024-11-20');
    expect(f.windows.rolling10).toMatchObject({
      kind: 'rolling10',
      from: '2024-09-09',
      to: '2024-11-20',
      schoolWeeks: 10,
      possible: 94,
      present: 90,
      unexplained: 4,
      attendancePct: 95.74, // 90/94 = 95.744...
    });
    // The second half of autumn: 5-20 Nov, 12 days.
    expect(f.windows.halfTerm).toMatchObject({
      from: '2024-11-02',
      to: '2024-11-20',
      possible: 24,
      attendancePct: 91.67,
    });
    expect(f.windows.term).toMatchObject({ from: '2024-09-04', possible: 100, attendancePct: 96 });
    expect(f.windows.ytd).toMatchObject({ from: '2024-09-04', possible: 100, schoolWeeks: 11 });
    expect(f).toMatchObject({
      schoolId: 'school-1',
      pupilId: 'pupil-1',
      yearGroup: 8,
      flags: ['send'],
      onRoll: true,
    });
    // The Friday before half term and the Tuesday after the INSET day are consecutive school days.
    expect(f.longestUnauthorisedRunDays).toBe(2);
    expect(f.currentUnauthorisedRunDays).toBe(0);
  });

  describe('a pupil who joined in January', () => {
    // On roll from Mon 6 Jan; 6 Jan-14 Feb is 6 weeks, 30 days, 60 sessions; O on 7-9 Jan.
    const grid = presentGrid(cal, '2025-01-06', '2025-02-14');
    fill(grid, cal, '2024-12-02', '2024-12-20', 'Z');
    markDays(grid, ['2025-01-07', '2025-01-08', '2025-01-09'], 'O');

    it('is judged only from the start date', () => {
      const f = factsOn(grid, '2025-02-14', { startDate: '2025-01-06' });
      for (const kind of ['rolling10', 'halfTerm', 'term', 'ytd'] as const) {
        expect(f.windows[kind]).toMatchObject({
          possible: 60,
          unauthorised: 6,
          unmarked: 0,
          attendancePct: 90,
        });
        expect(f.windows[kind].persistentAbsence).toBe(true);
      }
      expect(f.windows.ytd.schoolWeeks).toBe(21);
    });

    it('without a start date the empty autumn shows as unmarked, never as absence', () => {
      const f = factsOn(grid, '2025-02-14');
      // Autumn: 72 school days; 2-20 Dec (15 days) are Z, the other 57 days have no mark.
      expect(f.windows.ytd).toMatchObject({ possible: 60, unmarked: 114, attendancePct: 90 });
    });

    it('a pupil who left on 31 Jan is judged up to that day and is off roll', () => {
      const f = factsOn(grid, '2025-02-14', { startDate: '2025-01-06', leftOn: '2025-01-31' });
      expect(f.onRoll).toBe(false);
      expect(f.windows.ytd).toMatchObject({ possible: 40, unauthorised: 6, attendancePct: 85 });
    });
  });

  it('N re-coded to I: unexplained drops, authorised rises, the penalty count changes', () => {
    const grid = presentGrid(cal, '2024-09-04', '2024-11-20');
    const week = cal.schoolDaysBetween('2024-11-11', '2024-11-15');
    markDays(grid, week, 'N');
    const before = factsOn(grid, '2024-11-20');
    expect(before.windows.rolling10).toMatchObject({
      possible: 94,
      unauthorised: 10,
      unexplained: 10,
      authorised: 0,
    });
    expect(before.windows.rolling10.attendancePct).toBe(89.36); // 84/94
    expect(before.penaltyThreshold).toMatchObject({ met: true, sessions: 10, threshold: 10 });
    expect(before.longestUnauthorisedRunDays).toBe(5);

    // The school chases the absence and re-codes it as illness.
    for (const d of week) {
      expect(grid.set(d, 'AM', 'I')).toBe('N');
      expect(grid.set(d, 'PM', 'I')).toBe('N');
    }
    const after = factsOn(grid, '2024-11-20');
    expect(after.windows.rolling10).toMatchObject({
      possible: 94,
      unauthorised: 0,
      unexplained: 0,
      authorised: 10,
    });
    expect(after.windows.rolling10.attendancePct).toBe(89.36);
    expect(after.penaltyThreshold).toMatchObject({ met: false, sessions: 0 });
    expect(after.illness.illnessSessions).toBe(10);
    expect(after.longestUnauthorisedRunDays).toBe(0);
  });

  it('a council that does not count N sees no penalty sessions for unexplained absence', () => {
    const grid = presentGrid(cal, '2024-09-04', '2024-11-20');
    markDays(grid, cal.schoolDaysBetween('2024-11-11', '2024-11-15'), 'N');
    const f = factsOn(grid, '2024-11-20', {}, { penaltyCodes: ['G', 'O', 'U'] });
    expect(f.penaltyThreshold).toMatchObject({ met: false, sessions: 0, countingCodes: ['G', 'O', 'U'] });
  });

  describe('the penalty-notice threshold: 10 sessions in 10 school weeks', () => {
    // 10 school weeks ending Fri 17 Jan: 13 Jan, 6 Jan, 16 Dec, 9 Dec, 2 Dec, 25 Nov, 18 Nov, 11 Nov,
    // 4 Nov and 21 Oct (the half-term week does not count).
    const base = () => presentGrid(cal, '2024-09-04', '2025-01-17');

    it('is met across the Christmas term boundary', () => {
      const grid = markDays(
        base(),
        ['2024-10-21', '2024-10-22', '2025-01-13', '2025-01-14', '2025-01-15'],
        'G',
      );
      expect(factsOn(grid, '2025-01-17').penaltyThreshold).toEqual({
        met: true,
        sessions: 10,
        threshold: 10,
        windowSchoolWeeks: 10,
        from: '2024-10-21',
        to: '2025-01-17',
        countingCodes: ['G', 'N', 'O', 'U'],
        unexplainedInGrace: 0,
      });
    });

    it('is not met when the 10 sessions are spread over 11 school weeks', () => {
      // Fri 18 Oct is in the 11th school week back.
      const grid = markDays(
        base(),
        ['2024-10-18', '2024-10-22', '2025-01-13', '2025-01-14', '2025-01-15'],
        'G',
      );
      expect(factsOn(grid, '2025-01-17').penaltyThreshold).toMatchObject({ met: false, sessions: 8 });
      expect(factsOn(grid, '2025-01-17', {}, { penaltyWeeks: 11 }).penaltyThreshold).toMatchObject({
        met: true,
        sessions: 10,
        from: '2024-10-14',
      });
    });

    it('counts single sessions, not days, and mixes the counting codes', () => {
      const grid = base();
      const days = cal.schoolDaysBetween('2024-11-11', '2024-12-06');
      ['G', 'N', 'O', 'U', 'G', 'N', 'O', 'U', 'G', 'N'].forEach((code, i) =>
        grid.set(days[i * 2]!, 'PM', code),
      );
      expect(factsOn(grid, '2025-01-17').penaltyThreshold).toMatchObject({ met: true, sessions: 10 });
    });

    it('is met across the summer holiday into a new school year', () => {
      const two = calendarTwoYears();
      const grid = presentGrid(two, '2025-06-02', '2025-09-12');
      markDays(grid, ['2025-07-21', '2025-07-22', '2025-09-03', '2025-09-04', '2025-09-05'], 'G');
      const f = computePupilFacts({ pupil, grid, calendar: two, asOf: '2025-09-12' });
      expect(f.penaltyThreshold).toMatchObject({
        met: true,
        sessions: 10,
        from: '2025-06-02',
        windowSchoolWeeks: 10,
      });
      expect(f.windows.ytd).toMatchObject({ from: '2025-09-03', possible: 16, unauthorised: 6 });
      // The run of unauthorised days continues over the summer: 21-22 Jul and 3-5 Sep.
      expect(f.longestUnauthorisedRunDays).toBe(5);
    });
  });

  describe('continuous school days of unauthorised absence', () => {
    // G on 21-25 Oct and 5-11 Nov: 10 consecutive school days (half term and INSET are not school days).
    const absentDays = [...cal.schoolDaysBetween('2024-10-21', '2024-11-11')];
    const grid = () => markDays(presentGrid(cal, '2024-09-04', '2024-11-20'), absentDays, 'G');

    it.each([
      ['2024-11-11', 10, 10, 'the run includes asOf'],
      ['2024-11-12', 10, 0, 'present on asOf'],
    ])('on %s the longest run is %i days and the current run %i (%s)', (asOf, longest, current) => {
      const f = factsOn(grid(), asOf);
      expect([f.longestUnauthorisedRunDays, f.currentUnauthorisedRunDays]).toEqual([longest, current]);
    });

    it('a day with no possible session (unmarked, X) neither breaks nor extends the run', () => {
      const g = grid();
      g.clear('2024-11-12', 'AM');
      g.clear('2024-11-12', 'PM');
      expect(factsOn(g, '2024-11-12').currentUnauthorisedRunDays).toBe(10);
      g.set('2024-10-23', 'PM', 'X'); // AM G, PM not possible: still all possible sessions unauthorised
      expect(factsOn(g, '2024-11-12').longestUnauthorisedRunDays).toBe(10);
    });

    it('one session attended breaks the run', () => {
      const g = grid();
      g.set('2024-10-23', 'PM', '\\');
      // 21-22 Oct (2), then 24 Oct-11 Nov (7).
      expect(factsOn(g, '2024-11-11').longestUnauthorisedRunDays).toBe(7);
    });
  });

  describe('illness signals (rolling 10 school weeks)', () => {
    it.each([
      [['2024-09-16', '2024-09-30', '2024-10-04', '2024-10-11'], 8, 1, 0, true, 'Mondays and Fridays'],
      [['2024-09-17', '2024-09-25', '2024-10-03'], 6, 0, 0, false, 'midweek'],
      [
        ['2024-10-25', '2024-11-05', '2024-10-16'],
        6,
        1 / 3,
        2 / 3,
        true,
        'beside half term and the INSET day',
      ],
      [['2024-09-16', '2024-09-20'], 4, 1, 0, false, 'too few sessions to call a pattern'],
    ])(
      'illness on %j: %i sessions, Mon/Fri %d, beside holidays %d, clustered %s (%s)',
      (days, n, mf, bh, clustered) => {
        const grid = markDays(presentGrid(cal, '2024-09-04', '2024-11-20'), days, 'I');
        const { illness } = factsOn(grid, '2024-11-20');
        expect(illness.illnessSessions).toBe(n);
        expect(illness.mondayFridayShare).toBeCloseTo(mf, 10);
        expect(illness.besideHolidayShare).toBeCloseTo(bh, 10);
        expect(illness.clustered).toBe(clustered);
      },
    );
  });

  describe('trend against the previous 10 school weeks', () => {
    // asOf Fri 14 Feb: current = 25 Nov-14 Feb (50 days, 100 sessions);
    // previous = 9 Sep-22 Nov (49 days, 98 sessions).
    const base = () => presentGrid(cal, '2024-09-04', '2025-02-14');

    it.each([
      [['2025-01-27', '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31'], -10, 'declining'], // 90.00 vs 100.00
      [['2024-10-07', '2024-10-08', '2024-10-09', '2024-10-10', '2024-10-11'], 10.2, 'improving'], // 100.00 vs 89.80
    ])('absent on %j: change %d points, %s', (days, change, direction) => {
      const f = factsOn(markDays(base(), days, 'O'), '2025-02-14');
      expect(f.trend.previous).toMatchObject({
        from: '2024-09-09',
        to: '2024-11-22',
        schoolWeeks: 10,
        possible: 98,
      });
      expect(f.windows.rolling10).toMatchObject({ from: '2024-11-25', possible: 100 });
      expect(f.trend).toMatchObject({ changePct: change, direction });
    });

    it('a change under 1 percentage point is steady', () => {
      const g = base();
      g.set('2024-10-07', 'AM', 'O'); // previous 97/98 = 98.98
      g.set('2025-01-27', 'AM', 'O'); // current 99/100 = 99.00
      expect(factsOn(g, '2025-02-14').trend).toMatchObject({ changePct: 0.02, direction: 'steady' });
    });

    it('is unknown when the calendar does not hold 20 school weeks', () => {
      expect(factsOn(base(), '2024-11-20').trend).toEqual({
        previous: null,
        changePct: null,
        direction: 'unknown',
      });
    });
  });

  it('the batch path gives the same rolling figures as one pupil at a time', () => {
    const grids = [
      presentGrid(cal, '2024-09-04', '2025-01-17'),
      markDays(
        presentGrid(cal, '2024-09-04', '2025-01-17'),
        cal.schoolDaysBetween('2025-01-06', '2025-01-10'),
        'G',
      ),
      markDays(
        presentGrid(cal, '2024-09-04', '2025-01-17'),
        cal.schoolDaysBetween('2024-12-02', '2024-12-20'),
        'I',
      ),
      new MarkGrid(),
    ];
    const prepared = prepareEvaluation(cal, '2025-01-17');
    const batch = computeRolling10ForMany(prepared, grids);
    grids.forEach((g, i) => {
      const f = evaluatePupil(prepared, pupil, g);
      const r = f.windows.rolling10;
      expect(batch.possible[i]).toBe(r.possible);
      expect(batch.attendanceHundredths[i]).toBe(
        r.attendancePct === null ? -1 : Math.round(r.attendancePct * 100),
      );
      expect(batch.penaltySessions[i]).toBe(f.penaltyThreshold.sessions);
      expect(Boolean(batch.flags[i]! & BATCH_PERSISTENT)).toBe(r.persistentAbsence);
      expect(Boolean(batch.flags[i]! & BATCH_PENALTY_MET)).toBe(f.penaltyThreshold.met);
    });
    expect(batch.flags[1]! & BATCH_PENALTY_MET).toBeTruthy();
  });
});

describe('an N and its grace period: unexplained absences as the regulations expect them', () => {
  // N on Monday 11 and Tuesday 12 November (both sessions), otherwise present from 4 September.
  const base = () => presentGrid(cal, '2024-09-04', '2024-12-20');
  const mondayAndTuesday = () => markDays(base(), ['2024-11-11', '2024-11-12'], 'N');
  const ytdOn = (grid: MarkGrid, asOf: IsoDate, opts: EvaluationOptions = {}) =>
    factsOn(grid, asOf, {}, opts).windows.ytd;

  it.each([
    // asOf, school days since Monday's N, N sessions past 5 school days, spells counted
    ['2024-11-15', 'Friday: 4 school days after Monday', 0, 0],
    ['2024-11-18', 'the next Monday: Monday 11 has had its 5 school days', 2, 1],
    ['2024-11-19', 'the next Tuesday: both days past, still one spell', 4, 1],
  ])('absent with N on Monday and Tuesday, on %s (%s)', (asOf, _why, pastGrace, spells) => {
    const ytd = ytdOn(mondayAndTuesday(), asOf);
    expect(ytd).toMatchObject({ unexplained: 4, unexplainedPastGrace: pastGrace, unexplainedSpells: spells });
  });

  it('an N re-coded to illness within its grace never counts', () => {
    const grid = markDays(mondayAndTuesday(), ['2024-11-11', '2024-11-12'], 'I');
    expect(ytdOn(grid, '2024-11-25')).toMatchObject({
      unexplained: 0,
      unexplainedPastGrace: 0,
      unexplainedSpells: 0,
      illness: 4,
    });
  });

  it('the policy’s grace reaches the figures: 3 school days counts both days by Friday', () => {
    const f = factsOn(mondayAndTuesday(), '2024-11-15', {}, { unexplainedGraceDays: 3 });
    expect(f.unexplainedGraceDays).toBe(3);
    expect(f.windows.ytd).toMatchObject({ unexplainedPastGrace: 4, unexplainedSpells: 1 });
  });

  it.each([
    ['a day attended between two N days is two spells', ['2024-11-11', '2024-11-13'], [], 2],
    ['an illness day then an N day is one spell of absence', ['2024-11-12'], ['2024-11-11'], 1],
    // Friday before half term, then Tuesday after it (Monday 4 November is an INSET day).
    ['a spell runs on across half term and an INSET day', ['2024-10-25', '2024-11-05'], [], 1],
  ])('%s', (_name, nDays, illDays, spells) => {
    const grid = markDays(markDays(base(), illDays, 'I'), nDays, 'N');
    expect(ytdOn(grid, '2024-12-02').unexplainedSpells).toBe(spells);
  });

  it('N sessions still within their grace are told apart in the penalty count', () => {
    const f = factsOn(mondayAndTuesday(), '2024-11-15');
    expect(f.penaltyThreshold).toMatchObject({ sessions: 4, unexplainedInGrace: 4 });
    expect(factsOn(mondayAndTuesday(), '2024-11-19').penaltyThreshold).toMatchObject({
      sessions: 4,
      unexplainedInGrace: 0,
    });
    const withoutN = factsOn(mondayAndTuesday(), '2024-11-15', {}, { penaltyCodes: ['G', 'O', 'U'] });
    expect(withoutN.penaltyThreshold).toMatchObject({ sessions: 0, unexplainedInGrace: 0 });
  });
});

describe('a pattern of illness is read from the illness sessions alone (engine 2)', () => {
  it('holiday on Mondays and Fridays with illness midweek: absence clusters, illness does not', () => {
    const grid = presentGrid(cal, '2024-09-04', '2024-12-13');
    markDays(grid, ['2024-11-13', '2024-11-20', '2024-11-27'], 'I'); // Wednesdays
    markDays(grid, ['2024-11-15', '2024-11-18', '2024-11-22', '2024-11-25'], 'G'); // Fri, Mon, Fri, Mon
    markDays(grid, ['2024-11-29', '2024-12-02', '2024-12-06', '2024-12-09'], 'G');
    const ill = factsOn(grid, '2024-12-13').illness;
    expect(ill).toMatchObject({ illnessSessions: 6, clustered: true, illnessClustered: false });
    expect(ill.illnessMondayFridayShare).toBe(0);
  });

  it('illness on Mondays and Fridays clusters', () => {
    const grid = presentGrid(cal, '2024-09-04', '2024-12-13');
    markDays(grid, ['2024-11-18', '2024-11-22', '2024-12-02'], 'I');
    const ill = factsOn(grid, '2024-12-13').illness;
    expect(ill).toMatchObject({ illnessSessions: 6, illnessClustered: true, illnessMondayFridayShare: 1 });
  });
});
