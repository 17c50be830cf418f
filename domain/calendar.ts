// A school's calendar: which days are school days, and arithmetic in school days and school weeks.
//
// Dates are plain calendar dates. Internally a date is a "day number" (days since 1970-01-01 in the
// proleptic Gregorian calendar), computed with integer arithmetic from the `YYYY-MM-DD` text: no Date
// object, so nothing here depends on the machine's time zone or on daylight saving, and the hot loops
// in stats.ts compare small integers. date-fns is used to check that a text really is a calendar date.
// Definitions (school week, rolling windows, half terms, ...) are in docs/attendance-maths.md.
import { isValid, parseISO } from 'date-fns';
import { z } from 'zod';
import type { IsoDate, SchoolCalendarFile, Term } from './types';

// ---------------------------------------------------------------------------------------------
// Day numbers

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 (negative before). Throws for anything that is not a real `YYYY-MM-DD` date. */
export function toDayNumber(date: IsoDate): number {
  const m = ISO_RE.exec(date);
  if (!m) throw new RangeError(`"${date}" is not an ISO date (YYYY-MM-DD)`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo))
    throw new RangeError(`"${date}" is not a real date`);
  return daysFromCivil(y, mo, d);
}

/** The ISO date of a day number. */
export function fromDayNumber(n: number): IsoDate {
  // Howard Hinnant's civil_from_days.
  const z0 = n + 719468;
  const era = Math.floor(z0 / 146097);
  const doe = z0 - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** 0 = Monday ... 6 = Sunday. */
export function weekdayOfDayNumber(n: number): number {
  return (((n + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** 0 = Monday ... 6 = Sunday. */
export function weekdayOf(date: IsoDate): number {
  return weekdayOfDayNumber(toDayNumber(date));
}

/** Whole days from `a` to `b` (b - a). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return toDayNumber(b) - toDayNumber(a);
}

export function addDays(date: IsoDate, n: number): IsoDate {
  return fromDayNumber(toDayNumber(date) + n);
}

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: string): boolean {
  if (!ISO_RE.test(value)) return false;
  // parseISO gives Invalid Date for 2024-02-30; the day-number check agrees and is time-zone free.
  if (!isValid(parseISO(value))) return false;
  try {
    toDayNumber(value);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The calendar file

const isoDateSchema = z.string({ error: 'expected a date written YYYY-MM-DD' }).refine(isIsoDate, {
  error: (iss) => `${JSON.stringify(iss.input)} is not a real date written YYYY-MM-DD`,
});

const rangeSchema = z.object({ start: isoDateSchema, end: isoDateSchema });

const termSchema = z
  .object({
    name: z.string().trim().min(1, { error: 'a term needs a name' }),
    start: isoDateSchema,
    end: isoDateSchema,
    halfTerm: rangeSchema.optional(),
  })
  .superRefine((t, ctx) => {
    if (t.start > t.end) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: `term "${t.name}" ends (${t.end}) before it starts (${t.start})`,
      });
    }
    if (t.halfTerm) {
      const h = t.halfTerm;
      if (h.start > h.end) {
        ctx.addIssue({
          code: 'custom',
          path: ['halfTerm', 'end'],
          message: `the half term of "${t.name}" ends (${h.end}) before it starts (${h.start})`,
        });
      } else if (h.start <= t.start || h.end >= t.end) {
        ctx.addIssue({
          code: 'custom',
          path: ['halfTerm'],
          message: `the half term of "${t.name}" (${h.start} to ${h.end}) must lie inside the term (${t.start} to ${t.end}), with school days before and after it`,
        });
      }
    }
  });

export const calendarFileSchema = z
  .object({
    school: z.string().trim().min(1, { error: 'the school id is missing' }),
    name: z.string().trim().min(1, { error: 'the calendar needs a name' }),
    lessonsPerDay: z
      .number({ error: 'lessonsPerDay must be a number' })
      .int({ error: 'lessonsPerDay must be a whole number' })
      .positive({ error: 'lessonsPerDay must be at least 1' }),
    terms: z.array(termSchema).min(1, { error: 'the calendar needs at least one term' }),
    closures: z.array(isoDateSchema).default([]),
    localAuthority: z
      .string({ error: 'localAuthority must be text, e.g. "Kirklees Council"' })
      .trim()
      .min(1, { error: 'localAuthority is empty: leave it out, or name the council' })
      .max(120, { error: 'localAuthority is too long (120 characters at most)' })
      .optional(),
  })
  .superRefine((file, ctx) => {
    const order = file.terms.map((t, i) => ({ t, i })).sort((a, b) => (a.t.start < b.t.start ? -1 : 1));
    for (let k = 1; k < order.length; k++) {
      const prev = order[k - 1]!;
      const cur = order[k]!;
      if (cur.t.start <= prev.t.end) {
        ctx.addIssue({
          code: 'custom',
          path: ['terms', cur.i, 'start'],
          message: `term "${cur.t.name}" (${cur.t.start} to ${cur.t.end}) overlaps term "${prev.t.name}" (${prev.t.start} to ${prev.t.end})`,
        });
      }
    }
  });

// The schema's output must be assignable to the shared contract.
const _contractCheck: (f: z.output<typeof calendarFileSchema>) => SchoolCalendarFile = (f) => f;
void _contractCheck;

/**
 * Arithmetic past the calendar's last school day: the school has not imported next year's terms yet.
 * A case meeting it waits (engine 2 pauses with a task) rather than fail.
 */
export class BeyondCalendarError extends RangeError {
  constructor(
    message: string,
    readonly lastSchoolDay: IsoDate,
  ) {
    super(message);
    this.name = 'RangeError';
  }
}

export class CalendarValidationError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid school calendar: ${issues.join('; ')}`);
    this.name = 'CalendarValidationError';
  }
}

/** Validates a calendar file (e.g. parsed JSON or YAML) and returns readable problems, one per line. */
export function parseCalendarFile(
  input: unknown,
): { ok: true; file: SchoolCalendarFile } | { ok: false; issues: string[] } {
  const r = calendarFileSchema.safeParse(input);
  if (r.success) return { ok: true, file: r.data };
  return {
    ok: false,
    issues: r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)),
  };
}

// ---------------------------------------------------------------------------------------------
// The built calendar

export interface DateRange {
  from: IsoDate;
  to: IsoDate;
}

export interface SchoolWeeksRange extends DateRange {
  /** School weeks actually in the range (fewer than asked for at the start of the calendar). */
  weeks: number;
}

export interface HalfTermRange extends DateRange {
  termName: string;
  /** 1 before the half-term break, 2 after it (a term without a break is a single half 1). */
  half: 1 | 2;
}

export interface TermRange extends DateRange {
  name: string;
}

/**
 * Precomputed arrays for hot loops (stats.ts). Index i is the i-th school day of the calendar.
 * Treat as read-only.
 */
export interface CalendarIndex {
  /** Day numbers of the school days, ascending. */
  days: Int32Array;
  /** ISO date of each school day. */
  iso: readonly IsoDate[];
  /** School-week index of each school day. */
  weekOf: Int32Array;
  /** Weekday of each school day, 0 = Monday ... 4 = Friday. */
  weekday: Uint8Array;
  /** 1 when the school day is beside a holiday (see isBesideHoliday). */
  besideHoliday: Uint8Array;
  /** Monday (day number) of each school week, ascending. */
  weekMondays: Int32Array;
  /** Index of the first school day of each school week. */
  weekFirstDay: Int32Array;
  /** First school-day index whose day number is >= n (days.length if none). */
  lowerBound(n: number): number;
  /** First school-day index whose day number is > n (days.length if none). */
  upperBound(n: number): number;
}

export interface SchoolCalendar {
  readonly file: SchoolCalendarFile;
  readonly lessonsPerDay: number;
  readonly index: CalendarIndex;
  /** First and last school day of the calendar. */
  readonly firstSchoolDay: IsoDate;
  readonly lastSchoolDay: IsoDate;
  isSchoolDay(date: IsoDate): boolean;
  /** n >= 0. n = 0: the date itself if a school day, else the next school day. n > 0: the n-th school day after date. */
  addSchoolDays(date: IsoDate, n: number): IsoDate;
  /** n >= 0. The school day at the same place in the week, n school weeks later (docs/attendance-maths.md). */
  addSchoolWeeks(date: IsoDate, n: number): IsoDate;
  /** The last n school weeks ending on date (inclusive); may cross terms and school years. */
  schoolWeeksEndingOn(date: IsoDate, n: number): SchoolWeeksRange;
  /** Number of school weeks with at least one school day in [from, to]. */
  schoolWeeksBetween(from: IsoDate, to: IsoDate): number;
  /** The half term containing date, or the most recent one when date is in a holiday; null before the first term. */
  currentHalfTerm(date: IsoDate): HalfTermRange | null;
  /** The term containing date, or the most recent one when date is in a holiday; null before the first term. */
  currentTerm(date: IsoDate): TermRange | null;
  /** From the start of the academic year containing date (1 August, then its first term) to date. */
  yearToDate(date: IsoDate): DateRange;
  /** The school days in [from, to]. */
  schoolDaysBetween(from: IsoDate, to: IsoDate): IsoDate[];
  /** The school day strictly before date, null when the calendar has none. */
  previousSchoolDay(date: IsoDate): IsoDate | null;
  /** The school day strictly after date, null when the calendar has none. */
  nextSchoolDay(date: IsoDate): IsoDate | null;
  /** A school day whose previous or next weekday (Mon-Fri) is not a school day. */
  isBesideHoliday(date: IsoDate): boolean;
}

/** 1 August of the academic year containing the date. */
export function academicYearStart(date: IsoDate): IsoDate {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  return `${m >= 8 ? y : y - 1}-08-01`;
}

interface Half {
  termName: string;
  half: 1 | 2;
  from: number;
  to: number;
}

/**
 * Calendars already built, by the file object they were built from. A store that hands out one
 * frozen file for a school (the what-if's, store/memory) gets its calendar built once, not on every
 * read; a file from anywhere else is a new object each time, and is built as before.
 */
const builtFrom = new WeakMap<SchoolCalendarFile, SchoolCalendar>();

/** Validates the file and precomputes the school days. Throws CalendarValidationError for a bad file. */
export function buildCalendar(input: SchoolCalendarFile): SchoolCalendar {
  const known = Object.isFrozen(input) ? builtFrom.get(input) : undefined;
  if (known) return known;
  const calendar = buildCalendarAfresh(input);
  // Only a frozen file: one that cannot change after its calendar was built.
  if (Object.isFrozen(input)) builtFrom.set(input, calendar);
  return calendar;
}

function buildCalendarAfresh(input: SchoolCalendarFile): SchoolCalendar {
  const parsed = parseCalendarFile(input);
  if (!parsed.ok) throw new CalendarValidationError(parsed.issues);
  const file = parsed.file;

  const terms = [...file.terms].sort((a, b) => (a.start < b.start ? -1 : 1));
  const closures = new Set(file.closures.map(toDayNumber));
  const dayList: number[] = [];
  const halves: Half[] = [];
  const termRanges: { name: string; from: number; to: number }[] = [];
  for (const t of terms) {
    const s = toDayNumber(t.start);
    const e = toDayNumber(t.end);
    termRanges.push({ name: t.name, from: s, to: e });
    const hs = t.halfTerm ? toDayNumber(t.halfTerm.start) : Infinity;
    const he = t.halfTerm ? toDayNumber(t.halfTerm.end) : -Infinity;
    if (t.halfTerm) {
      halves.push(
        { termName: t.name, half: 1, from: s, to: hs - 1 },
        { termName: t.name, half: 2, from: he + 1, to: e },
      );
    } else {
      halves.push({ termName: t.name, half: 1, from: s, to: e });
    }
    for (let d = s; d <= e; d++) {
      if (d >= hs && d <= he) continue;
      if (weekdayOfDayNumber(d) >= 5) continue;
      if (closures.has(d)) continue;
      dayList.push(d);
    }
  }
  if (dayList.length === 0) throw new CalendarValidationError(['the calendar has no school days']);

  const days = Int32Array.from(dayList);
  const n = days.length;
  const daySet = new Set(dayList);
  const iso = dayList.map(fromDayNumber);
  const weekday = new Uint8Array(n);
  const besideHoliday = new Uint8Array(n);
  const weekOf = new Int32Array(n);
  const mondays: number[] = [];
  const firstDays: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = days[i]!;
    const wd = weekdayOfDayNumber(d);
    weekday[i] = wd;
    const prevWeekday = wd === 0 ? d - 3 : d - 1;
    const nextWeekday = wd === 4 ? d + 3 : d + 1;
    besideHoliday[i] = daySet.has(prevWeekday) && daySet.has(nextWeekday) ? 0 : 1;
    const monday = d - wd;
    if (mondays.length === 0 || mondays[mondays.length - 1] !== monday) {
      mondays.push(monday);
      firstDays.push(i);
    }
    weekOf[i] = mondays.length - 1;
  }
  const weekMondays = Int32Array.from(mondays);
  const weekFirstDay = Int32Array.from(firstDays);

  const lowerBound = (x: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (days[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const upperBound = (x: number): number => lowerBound(x + 1);
  const weekCount = weekMondays.length;
  /** Index of the last school week whose Monday is <= the Monday of x's week (-1 if none). */
  const weekAtOrBefore = (x: number): number => {
    const monday = x - weekdayOfDayNumber(x);
    let lo = 0;
    let hi = weekCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (weekMondays[mid]! <= monday) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  };
  const lastDayOfWeek = (w: number): number => (w + 1 < weekCount ? weekFirstDay[w + 1]! : n) - 1;

  const index: CalendarIndex = {
    days,
    iso,
    weekOf,
    weekday,
    besideHoliday,
    weekMondays,
    weekFirstDay,
    lowerBound,
    upperBound,
  };

  const beyond = (date: IsoDate, what: string): RangeError =>
    new BeyondCalendarError(
      `calendar "${file.name}" has no ${what} after ${date} (its last school day is ${iso[n - 1]}): add the next terms to the calendar`,
      iso[n - 1]!,
    );

  const schoolWeeksEndingOn = (date: IsoDate, count: number): SchoolWeeksRange => {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`a window needs at least 1 school week, got ${count}`);
    const last = upperBound(toDayNumber(date)) - 1;
    if (last < 0) return { from: date, to: date, weeks: 0 };
    const lastWeek = weekOf[last]!;
    const firstWeek = Math.max(0, lastWeek - count + 1);
    return { from: iso[weekFirstDay[firstWeek]!]!, to: date, weeks: lastWeek - firstWeek + 1 };
  };

  const findHalf = (x: number): Half | null => {
    let found: Half | null = null;
    for (const h of halves) if (h.from <= x) found = h;
    return found;
  };

  const calendar: SchoolCalendar = {
    file,
    lessonsPerDay: file.lessonsPerDay,
    index,
    firstSchoolDay: iso[0]!,
    lastSchoolDay: iso[n - 1]!,
    isSchoolDay(date) {
      return daySet.has(toDayNumber(date));
    },
    addSchoolDays(date, count) {
      if (!Number.isInteger(count) || count < 0)
        throw new RangeError(`addSchoolDays needs a whole n >= 0, got ${count}`);
      const x = toDayNumber(date);
      const i = count === 0 ? lowerBound(x) : upperBound(x) + count - 1;
      if (i >= n) throw beyond(date, count === 0 ? 'school day on or' : `${count} school days`);
      return iso[i]!;
    },
    addSchoolWeeks(date, count) {
      if (!Number.isInteger(count) || count < 0)
        throw new RangeError(`addSchoolWeeks needs a whole n >= 0, got ${count}`);
      if (count === 0) return calendar.addSchoolDays(date, 0);
      const x = toDayNumber(date);
      const target = weekAtOrBefore(x) + count;
      if (target >= weekCount) throw beyond(date, `${count} school weeks`);
      const w = Math.max(target, 0);
      const wanted = weekMondays[w]! + weekdayOfDayNumber(x);
      const first = weekFirstDay[w]!;
      // The latest school day of that week on or before the same weekday, else its first school day.
      let pick = first;
      for (let i = first; i <= lastDayOfWeek(w); i++) if (days[i]! <= wanted) pick = i;
      return iso[pick]!;
    },
    schoolWeeksEndingOn,
    schoolWeeksBetween(from, to) {
      const a = lowerBound(toDayNumber(from));
      const b = upperBound(toDayNumber(to)) - 1;
      return b < a ? 0 : weekOf[b]! - weekOf[a]! + 1;
    },
    currentHalfTerm(date) {
      const h = findHalf(toDayNumber(date));
      return h
        ? { termName: h.termName, half: h.half, from: fromDayNumber(h.from), to: fromDayNumber(h.to) }
        : null;
    },
    currentTerm(date) {
      const x = toDayNumber(date);
      let found: (typeof termRanges)[number] | null = null;
      for (const t of termRanges) if (t.from <= x) found = t;
      return found
        ? { name: found.name, from: fromDayNumber(found.from), to: fromDayNumber(found.to) }
        : null;
    },
    yearToDate(date) {
      const yearStart = academicYearStart(date);
      const first = terms.find((t: Term) => t.start >= yearStart);
      const from = first && first.start <= date ? first.start : yearStart;
      return { from, to: date };
    },
    schoolDaysBetween(from, to) {
      return iso.slice(lowerBound(toDayNumber(from)), upperBound(toDayNumber(to)));
    },
    previousSchoolDay(date) {
      const i = lowerBound(toDayNumber(date)) - 1;
      return i >= 0 ? iso[i]! : null;
    },
    nextSchoolDay(date) {
      const i = upperBound(toDayNumber(date));
      return i < n ? iso[i]! : null;
    },
    isBesideHoliday(date) {
      const x = toDayNumber(date);
      const i = lowerBound(x);
      return i < n && days[i] === x && besideHoliday[i] === 1;
    },
  };
  return calendar;
}
