import { describe, expect, it } from 'vitest';
import { buildCalendar, parseCalendarFile } from './calendar';
import {
  calendarFromDraft,
  draftProblems,
  draftSummary,
  englishCalendarDraft,
  englishSchoolYear,
  schoolDaysInTerm,
  schoolYearOf,
  type CalendarDraft,
} from './englishCalendar';

describe('a typical English school year', () => {
  it('has three terms with their half terms, INSET days, and the bank holidays in term time closed', () => {
    const { terms, closures } = englishSchoolYear(2026);
    expect(terms).toEqual([
      {
        name: 'Autumn 2026',
        start: '2026-09-07',
        end: '2026-12-18',
        halfTerm: { start: '2026-10-26', end: '2026-10-30' },
      },
      {
        name: 'Spring 2027',
        start: '2027-01-04',
        end: '2027-04-02',
        halfTerm: { start: '2027-02-15', end: '2027-02-19' },
      },
      {
        name: 'Summer 2027',
        start: '2027-04-19',
        end: '2027-07-16',
        halfTerm: { start: '2027-05-31', end: '2027-06-04' },
      },
    ]);
    // INSET days, then Good Friday and Easter Monday (Easter falls in the spring term in 2027) and
    // the early May bank holiday. The spring bank holiday is in the half term, so is not listed.
    expect(closures).toEqual(['2026-09-07', '2027-01-04', '2027-03-26', '2027-03-29', '2027-05-03']);
  });

  it('is the year the demo school had before, where no bank holiday moved into term time', () => {
    expect(englishSchoolYear(2025).closures).toEqual(['2025-09-01', '2026-01-05', '2026-05-04']);
  });
});

describe('the calendar editor’s draft, prefilled for England', () => {
  const draft = englishCalendarDraft(2026, {
    name: 'Northshire Primary',
    localAuthority: 'Northshire Council',
  });

  it('names each bank holiday it closes for, and counts the school days of each term', () => {
    expect(draft.inset).toEqual(['2026-09-07', '2027-01-04']);
    expect(draft.closures).toEqual([
      { date: '2027-03-26', reason: 'Good Friday' },
      { date: '2027-03-29', reason: 'Easter Monday' },
      { date: '2027-05-03', reason: 'Early May bank holiday' },
    ]);
    expect(draftSummary(draft)).toEqual({
      terms: [
        { name: 'Autumn 2026', schoolDays: 69 },
        { name: 'Spring 2027', schoolDays: 57 },
        { name: 'Summer 2027', schoolDays: 59 },
      ],
      schoolDays: 185,
      insetDays: 2,
      closures: 3,
    });
  });

  it('has no problems, and makes a calendar file the import accepts, with the same school days', () => {
    expect(draftProblems(draft)).toEqual([]);
    const file = calendarFromDraft(draft, '100077');
    const parsed = parseCalendarFile(file);
    expect(parsed.ok).toBe(true);
    expect(file).toMatchObject({
      school: '100077',
      name: 'Northshire Primary',
      localAuthority: 'Northshire Council',
    });
    const calendar = buildCalendar(file);
    expect(calendar.schoolDaysBetween('2026-09-01', '2027-08-31')).toHaveLength(185);
    expect(calendar.isSchoolDay('2027-03-29')).toBe(false);
    expect(calendar.isSchoolDay('2027-03-30')).toBe(true);
    // The same count the editor shows for a term.
    expect(schoolDaysInTerm(file.terms[1]!, file.closures)).toBe(
      calendar.schoolDaysBetween('2027-01-04', '2027-04-02').length,
    );
  });

  it('is accepted for every school year the editor offers, and the one after', () => {
    for (const year of [schoolYearOf('2026-12-01'), 2027, 2028, 2029]) {
      const d = englishCalendarDraft(year, { name: 'Elm Primary' });
      expect(draftProblems(d), String(year)).toEqual([]);
      expect(parseCalendarFile(calendarFromDraft(d, 'X')).ok, String(year)).toBe(true);
    }
    expect(englishCalendarDraft(2029).closures[0]!.reason).toMatch(/calculated: check gov\.uk/);
  });
});

describe('what the editor says is wrong', () => {
  const base = englishCalendarDraft(2026, { name: 'Elm Primary' });
  const withTerm = (i: number, patch: Partial<CalendarDraft['terms'][number]>): CalendarDraft => ({
    ...base,
    terms: base.terms.map((t, k) => (k === i ? { ...t, ...patch } : t)),
  });

  it('a term that ends before it starts', () => {
    expect(draftProblems(withTerm(0, { end: '2026-09-01' }))).toContainEqual({
      field: 'terms.0.end',
      message: 'Autumn 2026: the last day (1 September 2026) must be after the first (7 September 2026).',
    });
  });

  it('a half term outside its term', () => {
    expect(
      draftProblems(withTerm(1, { halfTermStart: '2027-04-05', halfTermEnd: '2027-04-09' })),
    ).toContainEqual({
      field: 'terms.1.halfTermStart',
      message:
        'Spring 2027: the half term (5 April 2027 to 9 April 2027) must be inside the term, with school days before and after it.',
    });
    expect(draftProblems(withTerm(1, { halfTermEnd: '' }))[0]).toEqual({
      field: 'terms.1.halfTermEnd',
      message: 'Spring 2027: give the last day of the half term, or clear both.',
    });
  });

  it('terms that overlap', () => {
    expect(draftProblems(withTerm(1, { start: '2026-12-14' }))).toContainEqual({
      field: 'terms.1.start',
      message: 'Spring 2027 (from 14 December 2026) overlaps Autumn 2026 (to 18 December 2026).',
    });
  });

  it('a closure that is not a school day, the same day twice, a missing name', () => {
    const problems = draftProblems({
      ...base,
      name: ' ',
      inset: [...base.inset, '2026-10-27', '2026-09-07'],
    });
    expect(problems).toEqual([
      { field: 'name', message: 'Give the school’s name.' },
      {
        field: 'inset.2',
        message:
          'An INSET day on 27 October 2026 is not a school day anyway (a weekend, a holiday or a half term): remove it, or correct the date.',
      },
      { field: 'inset.3', message: '7 September 2026 is listed twice (also as an INSET day).' },
    ]);
  });
});
