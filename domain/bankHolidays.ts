// England and Wales bank holidays, as data: the days a school calendar closes for when they fall in
// term time (Good Friday and Easter Monday move with Easter; the May ones are often in term). Copied
// from gov.uk's list for England and Wales; a substitute day (when the holiday falls at a weekend) is
// listed on the weekday it is actually taken, with its note, as gov.uk lists it.
//
// Keep it data: a one-off bank holiday (a coronation, a state funeral) is announced, not calculated.
// For a year not listed here, `bankHolidaysFor` falls back to the usual rules and says so
// (`source: 'calculated'`), so a calendar made from it can be checked against gov.uk.
import type { IsoDate } from './types';

export interface BankHoliday {
  date: IsoDate;
  /** As gov.uk names it ("Early May bank holiday"). */
  title: string;
  /** "Substitute day" when the holiday itself falls at a weekend. */
  notes?: string;
}

export const BANK_HOLIDAYS_SOURCE = {
  name: 'GOV.UK: UK bank holidays, England and Wales',
  url: 'https://www.gov.uk/bank-holidays',
  /** The same list as JSON, for a script that refreshes this file. */
  json: 'https://www.gov.uk/bank-holidays.json',
  division: 'england-and-wales',
  /** The years listed below. */
  years: [2024, 2028] as const,
} as const;

const SUBSTITUTE = 'Substitute day';

/** England and Wales bank holidays, 2024 to 2028, from gov.uk. */
export const ENGLAND_AND_WALES_BANK_HOLIDAYS: readonly BankHoliday[] = [
  { date: '2024-01-01', title: 'New Year’s Day' },
  { date: '2024-03-29', title: 'Good Friday' },
  { date: '2024-04-01', title: 'Easter Monday' },
  { date: '2024-05-06', title: 'Early May bank holiday' },
  { date: '2024-05-27', title: 'Spring bank holiday' },
  { date: '2024-08-26', title: 'Summer bank holiday' },
  { date: '2024-12-25', title: 'Christmas Day' },
  { date: '2024-12-26', title: 'Boxing Day' },

  { date: '2025-01-01', title: 'New Year’s Day' },
  { date: '2025-04-18', title: 'Good Friday' },
  { date: '2025-04-21', title: 'Easter Monday' },
  { date: '2025-05-05', title: 'Early May bank holiday' },
  { date: '2025-05-26', title: 'Spring bank holiday' },
  { date: '2025-08-25', title: 'Summer bank holiday' },
  { date: '2025-12-25', title: 'Christmas Day' },
  { date: '2025-12-26', title: 'Boxing Day' },

  { date: '2026-01-01', title: 'New Year’s Day' },
  { date: '2026-04-03', title: 'Good Friday' },
  { date: '2026-04-06', title: 'Easter Monday' },
  { date: '2026-05-04', title: 'Early May bank holiday' },
  { date: '2026-05-25', title: 'Spring bank holiday' },
  { date: '2026-08-31', title: 'Summer bank holiday' },
  { date: '2026-12-25', title: 'Christmas Day' },
  { date: '2026-12-28', title: 'Boxing Day', notes: SUBSTITUTE },

  { date: '2027-01-01', title: 'New Year’s Day' },
  { date: '2027-03-26', title: 'Good Friday' },
  { date: '2027-03-29', title: 'Easter Monday' },
  { date: '2027-05-03', title: 'Early May bank holiday' },
  { date: '2027-05-31', title: 'Spring bank holiday' },
  { date: '2027-08-30', title: 'Summer bank holiday' },
  { date: '2027-12-27', title: 'Christmas Day', notes: SUBSTITUTE },
  { date: '2027-12-28', title: 'Boxing Day', notes: SUBSTITUTE },

  { date: '2028-01-03', title: 'New Year’s Day', notes: SUBSTITUTE },
  { date: '2028-04-14', title: 'Good Friday' },
  { date: '2028-04-17', title: 'Easter Monday' },
  { date: '2028-05-01', title: 'Early May bank holiday' },
  { date: '2028-05-29', title: 'Spring bank holiday' },
  { date: '2028-08-28', title: 'Summer bank holiday' },
  { date: '2028-12-25', title: 'Christmas Day' },
  { date: '2028-12-26', title: 'Boxing Day' },
];

// ---------------------------------------------------------------------------------------------
// Small date arithmetic of its own (UTC day numbers), so the web app can use this file alone.

const DAY_MS = 86_400_000;
const dayNumber = (d: IsoDate) => Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10)) / DAY_MS;
const isoOf = (n: number): IsoDate => new Date(n * DAY_MS).toISOString().slice(0, 10);
/** 0 = Monday ... 6 = Sunday. */
const weekday = (d: IsoDate) => (new Date(dayNumber(d) * DAY_MS).getUTCDay() + 6) % 7;
const plusDays = (d: IsoDate, n: number) => isoOf(dayNumber(d) + n);
const pad = (n: number) => String(n).padStart(2, '0');

/** Easter Sunday (Gregorian), by the anonymous "Meeus/Jones/Butcher" computus. */
export function easterSunday(year: number): IsoDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** The first Monday on or after `date`. */
const mondayOnOrAfter = (date: IsoDate) => plusDays(date, (7 - weekday(date)) % 7);
/** The last Monday on or before `date`. */
const mondayOnOrBefore = (date: IsoDate) => plusDays(date, -weekday(date));

/**
 * The usual rules for England and Wales, for years gov.uk's list here does not cover: New Year's
 * Day, Good Friday, Easter Monday, the first Monday of May, the last Mondays of May and August,
 * Christmas Day and Boxing Day, each moved to the next free weekday when it falls at a weekend.
 * One-off holidays cannot be calculated: check such a year against gov.uk.
 */
export function calculatedBankHolidays(year: number): BankHoliday[] {
  const easter = easterSunday(year);
  const list: BankHoliday[] = [];
  const newYear = `${year}-01-01`;
  const nyShift = weekday(newYear) === 5 ? 2 : weekday(newYear) === 6 ? 1 : 0;
  list.push({
    date: plusDays(newYear, nyShift),
    title: 'New Year’s Day',
    ...(nyShift ? { notes: SUBSTITUTE } : {}),
  });
  list.push({ date: plusDays(easter, -2), title: 'Good Friday' });
  list.push({ date: plusDays(easter, 1), title: 'Easter Monday' });
  list.push({ date: mondayOnOrAfter(`${year}-05-01`), title: 'Early May bank holiday' });
  list.push({ date: mondayOnOrBefore(`${year}-05-31`), title: 'Spring bank holiday' });
  list.push({ date: mondayOnOrBefore(`${year}-08-31`), title: 'Summer bank holiday' });
  // Christmas Day and Boxing Day take the first two weekdays from 25 December that are free.
  const christmas = `${year}-12-25`;
  const boxing = `${year}-12-26`;
  const free = (d: IsoDate) => weekday(d) < 5;
  let next = christmas;
  const take = () => {
    while (!free(next)) next = plusDays(next, 1);
    const d = next;
    next = plusDays(next, 1);
    return d;
  };
  const c = take();
  const b = take();
  list.push({ date: c, title: 'Christmas Day', ...(c !== christmas ? { notes: SUBSTITUTE } : {}) });
  list.push({ date: b, title: 'Boxing Day', ...(b !== boxing ? { notes: SUBSTITUTE } : {}) });
  return list;
}

/** A year's bank holidays: gov.uk's list where it covers the year, else the usual rules (say which). */
export function bankHolidaysFor(year: number): { holidays: BankHoliday[]; source: 'gov.uk' | 'calculated' } {
  const listed = ENGLAND_AND_WALES_BANK_HOLIDAYS.filter((h) => h.date.startsWith(`${year}-`));
  if (listed.length > 0) return { holidays: [...listed], source: 'gov.uk' };
  return { holidays: calculatedBankHolidays(year), source: 'calculated' };
}

/** Bank holidays from `from` to `to` inclusive, in date order. */
export function bankHolidaysBetween(
  from: IsoDate,
  to: IsoDate,
): (BankHoliday & { source: 'gov.uk' | 'calculated' })[] {
  const out: (BankHoliday & { source: 'gov.uk' | 'calculated' })[] = [];
  for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) {
    const { holidays, source } = bankHolidaysFor(y);
    for (const h of holidays) if (h.date >= from && h.date <= to) out.push({ ...h, source });
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : 1));
}
