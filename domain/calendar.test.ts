import { describe, expect, it } from 'vitest';
import {
  CalendarValidationError,
  buildCalendar,
  fromDayNumber,
  parseCalendarFile,
  toDayNumber,
  weekdayOf,
} from './calendar';
import { FILE_2024_25, calendar2024, calendarTwoYears } from './testFixtures';
import type { SchoolCalendarFile } from './types';

// 2024-25: Autumn 4 Sep-20 Dec (half term 28 Oct-1 Nov, INSET Mon 4 Nov), Spring 6 Jan-4 Apr
// (half term 17-21 Feb), Summer 22 Apr-22 Jul (bank holiday Mon 5 May, half term 26-30 May).
const cal = calendar2024();

describe('day numbers', () => {
  it.each([
    ['1970-01-01', 0, 3],
    ['2024-02-29', 19782, 3],
    ['2024-10-27', 20023, 6],
    ['2000-03-01', 11017, 2],
  ])('%s is day %i, weekday %i (0 = Monday)', (iso, n, wd) => {
    expect(toDayNumber(iso)).toBe(n);
    expect(fromDayNumber(n)).toBe(iso);
    expect(weekdayOf(iso)).toBe(wd);
  });

  it('rejects dates that do not exist', () => {
    expect(() => toDayNumber('2025-02-29')).toThrow('not a real date');
    expect(() => toDayNumber('2025-2-1')).toThrow('not an ISO date');
  });
});

describe('school days', () => {
  it('has 192 school days and 40 school weeks in the test year', () => {
    expect(cal.index.days.length).toBe(192);
    expect(cal.index.weekMondays.length).toBe(40);
    expect(cal.firstSchoolDay).toBe('2024-09-04');
    expect(cal.lastSchoolDay).toBe('2025-07-22');
  });

  it.each([
    ['2024-09-03', false, 'before the term'],
    ['2024-09-04', true, 'first day of term'],
    ['2024-09-07', false, 'a Saturday'],
    ['2024-10-25', true, 'Friday before half term'],
    ['2024-10-28', false, 'half term'],
    ['2024-11-04', false, 'an INSET day (closure)'],
    ['2024-11-05', true, 'back after the INSET day'],
    ['2024-12-23', false, 'Christmas holiday'],
    ['2025-05-05', false, 'bank holiday (closure)'],
  ])('%s is a school day: %s (%s)', (date, expected) => {
    expect(cal.isSchoolDay(date)).toBe(expected);
  });

  it.each([
    ['2024-10-24', 1, '2024-10-25'],
    ['2024-10-25', 1, '2024-11-05'], // half term, then the INSET day
    ['2024-10-25', 0, '2024-10-25'],
    ['2024-09-07', 0, '2024-09-09'], // Saturday: the next school day
    ['2024-12-20', 1, '2025-01-06'],
    ['2024-09-04', 5, '2024-09-11'],
  ])('addSchoolDays(%s, %i) = %s', (date, n, expected) => {
    expect(cal.addSchoolDays(date, n)).toBe(expected);
  });

  it('refuses to count past the end of the calendar', () => {
    expect(() => cal.addSchoolDays('2025-07-22', 1)).toThrow('add the next terms');
    expect(() => cal.addSchoolDays('2025-07-01', -1)).toThrow('n >= 0');
  });

  it('lists school days between two dates, skipping half term and closures', () => {
    expect(cal.schoolDaysBetween('2024-10-24', '2024-11-06')).toEqual([
      '2024-10-24',
      '2024-10-25',
      '2024-11-05',
      '2024-11-06',
    ]);
    expect(cal.previousSchoolDay('2024-11-05')).toBe('2024-10-25');
    expect(cal.nextSchoolDay('2024-10-25')).toBe('2024-11-05');
    expect(cal.previousSchoolDay('2024-09-04')).toBeNull();
    expect(cal.nextSchoolDay('2025-07-22')).toBeNull();
  });

  it.each([
    ['2024-10-25', true, 'Friday before half term'],
    ['2024-11-05', true, 'Tuesday after the INSET Monday'],
    ['2024-09-04', true, 'first day of the year'],
    ['2025-05-02', true, 'Friday before the bank holiday'],
    ['2025-05-06', true, 'Tuesday after the bank holiday'],
    ['2024-10-23', false, 'an ordinary Wednesday'],
    ['2024-10-21', false, 'an ordinary Monday (the Friday before was a school day)'],
    ['2024-10-28', false, 'not a school day at all'],
  ])('isBesideHoliday(%s) = %s (%s)', (date, expected) => {
    expect(cal.isBesideHoliday(date)).toBe(expected);
  });
});

describe('school weeks', () => {
  it('a 2-week window that starts the Friday before half term ends two school weeks later, not 14 days later', () => {
    const end = cal.addSchoolWeeks('2024-10-25', 2);
    expect(end).toBe('2024-11-15'); // 14 calendar days would give 2024-11-08
    expect(cal.schoolWeeksBetween('2024-10-25', end)).toBe(3); // the start week plus two more
  });

  it.each([
    ['2024-10-25', 1, '2024-11-08', 'over half term'],
    ['2024-10-30', 1, '2024-11-06', 'from inside half term: the Wednesday of the first week back'],
    ['2024-10-21', 1, '2024-11-05', 'the Monday is an INSET day: the first school day of that week'],
    ['2024-10-16', 1, '2024-10-23', 'an ordinary week'],
    ['2024-12-20', 1, '2025-01-10', 'over Christmas'],
    ['2025-05-23', 1, '2025-06-06', 'over the May half term'],
    ['2024-09-07', 1, '2024-09-13', 'from a Saturday: the Friday of the next school week'],
    ['2024-09-07', 0, '2024-09-09', 'n = 0: the next school day'],
  ])('addSchoolWeeks(%s, %i) = %s (%s)', (date, n, expected) => {
    expect(cal.addSchoolWeeks(date, n)).toBe(expected);
  });

  it.each([
    ['2024-11-20', 10, '2024-09-09', 10, 'the half-term week is not a school week'],
    ['2024-11-24', 1, '2024-11-18', 1, 'a Sunday counts its own week'],
    [
      '2024-11-04',
      1,
      '2024-10-21',
      1,
      'INSET Monday: its week has no school day yet, so the last school week',
    ],
    ['2024-09-20', 10, '2024-09-04', 3, 'at the start of the calendar, fewer weeks'],
  ])('schoolWeeksEndingOn(%s, %i) starts %s with %i weeks (%s)', (date, n, from, weeks) => {
    expect(cal.schoolWeeksEndingOn(date, n)).toEqual({ from, to: date, weeks });
  });

  it('rolling school weeks cross the summer holiday into the previous school year', () => {
    const two = calendarTwoYears();
    // 8 Sep 2025, 1 Sep 2025 (3-5 Sep), then 21 Jul 2025 (21-22 Jul).
    expect(two.schoolWeeksEndingOn('2025-09-12', 3)).toEqual({
      from: '2025-07-21',
      to: '2025-09-12',
      weeks: 3,
    });
    expect(two.addSchoolWeeks('2025-07-18', 1)).toBe('2025-07-22');
  });
});

describe('half terms, terms and the year', () => {
  it.each([
    ['2024-10-10', 'Autumn', 1, '2024-09-04', '2024-10-27'],
    ['2024-10-30', 'Autumn', 1, '2024-09-04', '2024-10-27'], // in half term: the half just ended
    ['2024-11-20', 'Autumn', 2, '2024-11-02', '2024-12-20'],
    ['2024-12-28', 'Autumn', 2, '2024-11-02', '2024-12-20'], // Christmas holiday
    ['2025-07-30', 'Summer', 2, '2025-05-31', '2025-07-22'],
  ])('currentHalfTerm(%s) is %s half %i, %s to %s', (date, termName, half, from, to) => {
    expect(cal.currentHalfTerm(date)).toEqual({ termName, half, from, to });
  });

  it('has no half term or term before the first term', () => {
    expect(cal.currentHalfTerm('2024-08-20')).toBeNull();
    expect(cal.currentTerm('2024-08-20')).toBeNull();
  });

  it('finds the current term (or the last one in a holiday)', () => {
    expect(cal.currentTerm('2024-12-28')).toEqual({ name: 'Autumn', from: '2024-09-04', to: '2024-12-20' });
    expect(cal.currentTerm('2025-02-18')).toEqual({ name: 'Spring', from: '2025-01-06', to: '2025-04-04' });
  });

  it('year to date starts at the first term after 1 August', () => {
    expect(cal.yearToDate('2025-03-12')).toEqual({ from: '2024-09-04', to: '2025-03-12' });
    expect(calendarTwoYears().yearToDate('2025-08-20')).toEqual({ from: '2025-08-01', to: '2025-08-20' });
    expect(calendarTwoYears().yearToDate('2025-09-10')).toEqual({ from: '2025-09-03', to: '2025-09-10' });
  });
});

describe('calendar validation', () => {
  const withTerms = (terms: SchoolCalendarFile['terms']): unknown => ({ ...FILE_2024_25, terms });

  it.each([
    [
      'a date that does not exist',
      withTerms([{ name: 'Spring', start: '2025-01-06', end: '2025-02-30' }]),
      'terms.0.end: "2025-02-30" is not a real date written YYYY-MM-DD',
    ],
    [
      'a term that ends before it starts',
      withTerms([{ name: 'Autumn', start: '2024-12-20', end: '2024-09-04' }]),
      'terms.0.end: term "Autumn" ends (2024-09-04) before it starts (2024-12-20)',
    ],
    [
      'a half term outside its term',
      withTerms([
        {
          name: 'Autumn',
          start: '2024-09-04',
          end: '2024-12-20',
          halfTerm: { start: '2024-12-16', end: '2025-01-03' },
        },
      ]),
      'terms.0.halfTerm: the half term of "Autumn" (2024-12-16 to 2025-01-03) must lie inside the term (2024-09-04 to 2024-12-20)',
    ],
    [
      'overlapping terms',
      withTerms([
        { name: 'Autumn', start: '2024-09-04', end: '2024-12-20' },
        { name: 'Spring', start: '2024-12-16', end: '2025-04-04' },
      ]),
      'terms.1.start: term "Spring" (2024-12-16 to 2025-04-04) overlaps term "Autumn" (2024-09-04 to 2024-12-20)',
    ],
    [
      'zero lessons a day',
      { ...FILE_2024_25, lessonsPerDay: 0 },
      'lessonsPerDay: lessonsPerDay must be at least 1',
    ],
    [
      'half a lesson',
      { ...FILE_2024_25, lessonsPerDay: 5.5 },
      'lessonsPerDay: lessonsPerDay must be a whole number',
    ],
    [
      'a bad closure',
      { ...FILE_2024_25, closures: ['4 Nov 2024'] },
      'closures.0: "4 Nov 2024" is not a real date',
    ],
    ['no terms', withTerms([]), 'terms: the calendar needs at least one term'],
  ])('rejects %s with a readable message', (_what, input, message) => {
    const r = parseCalendarFile(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.join('\n')).toContain(message);
  });

  it('buildCalendar throws a CalendarValidationError listing the problems', () => {
    const bad = { ...FILE_2024_25, lessonsPerDay: 0 };
    expect(() => buildCalendar(bad)).toThrow(CalendarValidationError);
    expect(() => buildCalendar(bad)).toThrow('lessonsPerDay must be at least 1');
  });

  it('accepts the test calendar and a missing closures list', () => {
    expect(parseCalendarFile(FILE_2024_25).ok).toBe(true);
    const { closures: _c, ...noClosures } = FILE_2024_25;
    const r = parseCalendarFile(noClosures);
    expect(r.ok && r.file.closures).toEqual([]);
  });
});
