import type { IsoDate } from '../types';

/**
 * The part of the school calendar the policy engine needs. `SchoolCalendar` from domain/calendar.ts
 * satisfies it structurally; tests pass a tiny weekdays-minus-holidays implementation.
 * Monitoring windows are counted in school weeks/days, never calendar days.
 */
export interface SchoolDays {
  isSchoolDay(d: IsoDate): boolean;
  addSchoolDays(d: IsoDate, n: number): IsoDate;
  addSchoolWeeks(d: IsoDate, n: number): IsoDate;
}

function addCalendarDays(d: IsoDate, n: number): IsoDate {
  const t = Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
  return new Date(t + n * 86_400_000).toISOString().slice(0, 10);
}

/** The date itself when it is a school day, else the next school day (searching up to a year ahead). */
export function schoolDayOnOrAfter(calendar: SchoolDays, d: IsoDate): IsoDate {
  let day = d;
  for (let i = 0; i < 366; i++) {
    if (calendar.isSchoolDay(day)) return day;
    day = addCalendarDays(day, 1);
  }
  throw new RangeError(`no school day within a year after ${d}`);
}

/** A duration as policies state it: school weeks or school days. */
export interface SchoolDuration {
  schoolWeeks?: number | undefined;
  schoolDays?: number | undefined;
}

/** `from` plus the duration, landing on a school day. */
export function addDuration(calendar: SchoolDays, from: IsoDate, duration: SchoolDuration): IsoDate {
  const end =
    duration.schoolWeeks !== undefined
      ? calendar.addSchoolWeeks(from, duration.schoolWeeks)
      : calendar.addSchoolDays(from, duration.schoolDays ?? 0);
  return schoolDayOnOrAfter(calendar, end);
}

/** Roughly how many school days a duration is (school weeks are counted as 5 days). */
export function approxSchoolDays(duration: SchoolDuration | undefined): number {
  if (!duration) return 0;
  return duration.schoolWeeks !== undefined ? duration.schoolWeeks * 5 : (duration.schoolDays ?? 0);
}

export function describeDuration(duration: SchoolDuration): string {
  if (duration.schoolWeeks !== undefined)
    return `${duration.schoolWeeks} school week${duration.schoolWeeks === 1 ? '' : 's'}`;
  const n = duration.schoolDays ?? 0;
  return `${n} school day${n === 1 ? '' : 's'}`;
}
