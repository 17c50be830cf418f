// A school year in England, as a school office writes it: three terms with a half term each, INSET
// days, and the bank holidays that fall in term time (domain/bankHolidays.ts, from gov.uk). The
// demo school, the sample calendar.json and the web app's calendar editor all start from
// `englishSchoolYear`; the editor works on a `CalendarDraft` (what its form holds) and turns it into
// the calendar file the import reads (`calendarFromDraft`), checked first by `draftProblems` with
// messages a person can act on. Plain arithmetic on ISO dates (no library), so the web app can
// bundle this file on its own.
import { bankHolidaysBetween } from './bankHolidays';
import type { IsoDate, SchoolCalendarFile, Term } from './types';

// ---------------------------------------------------------------------------------------------
// Dates

const DAY_MS = 86_400_000;
const ISO_RE = /^\d{4}-\d{2}-\d{2}$/;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const dayNumber = (d: IsoDate) => Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10)) / DAY_MS;
const isoOf = (n: number): IsoDate => new Date(n * DAY_MS).toISOString().slice(0, 10);
const plusDays = (d: IsoDate, n: number) => isoOf(dayNumber(d) + n);
/** 0 = Monday ... 6 = Sunday. */
const weekday = (d: IsoDate) => (new Date(dayNumber(d) * DAY_MS).getUTCDay() + 6) % 7;

/** True for a real date written YYYY-MM-DD (2026-02-30 is not). */
export function isRealDate(s: string): boolean {
  return ISO_RE.test(s) && isoOf(dayNumber(s)) === s;
}

/** "7 September 2026", as a letter or a form message says a date. */
export function longDate(d: IsoDate): string {
  return isRealDate(d)
    ? `${Number(d.slice(8, 10))} ${MONTHS[Number(d.slice(5, 7)) - 1]} ${d.slice(0, 4)}`
    : d;
}

/** The first date on or after `date` that falls on `day` (0 = Monday). */
function onOrAfter(date: IsoDate, day: number): IsoDate {
  return plusDays(date, (day - weekday(date) + 7) % 7);
}

/** The last date on or before `date` that falls on `day`. */
function onOrBefore(date: IsoDate, day: number): IsoDate {
  return plusDays(date, -((weekday(date) - day + 7) % 7));
}

// ---------------------------------------------------------------------------------------------
// A typical school year

/** The school year that holds `today`: the September it started in (August counts as the new year). */
export function schoolYearOf(today: IsoDate): number {
  const y = Number(today.slice(0, 4));
  return Number(today.slice(5, 7)) >= 8 ? y : y - 1;
}

/** "2026 to 2027", as gov.uk and councils name a school year. */
export function schoolYearLabel(year: number): string {
  return `${year} to ${year + 1}`;
}

interface TypicalYear {
  terms: Term[];
  /** INSET days: the first day of the autumn and spring terms. */
  inset: IsoDate[];
  /** England and Wales bank holidays on weekdays in term time (not in a half term). */
  bankHolidays: { date: IsoDate; title: string; notes?: string; source: 'gov.uk' | 'calculated' }[];
}

function typicalYear(year: number): TypicalYear {
  const y = year;
  const autumnStart = onOrAfter(`${y}-09-01`, 0);
  const autumnHalf = onOrBefore(`${y}-10-31`, 0);
  const autumnEnd = onOrBefore(`${y}-12-22`, 4);
  const springStart = onOrAfter(`${y + 1}-01-04`, 0);
  const springHalf = onOrAfter(`${y + 1}-02-15`, 0);
  const springEnd = onOrBefore(`${y + 1}-04-02`, 4);
  const summerStart = onOrAfter(plusDays(springEnd, 17), 0);
  const summerHalf = onOrBefore(`${y + 1}-05-31`, 0);
  const summerEnd = onOrBefore(`${y + 1}-07-22`, 4);
  const half = (monday: IsoDate) => ({ start: monday, end: plusDays(monday, 4) });
  const terms: Term[] = [
    { name: `Autumn ${y}`, start: autumnStart, end: autumnEnd, halfTerm: half(autumnHalf) },
    { name: `Spring ${y + 1}`, start: springStart, end: springEnd, halfTerm: half(springHalf) },
    { name: `Summer ${y + 1}`, start: summerStart, end: summerEnd, halfTerm: half(summerHalf) },
  ];
  const bankHolidays = bankHolidaysBetween(autumnStart, summerEnd).filter((h) =>
    terms.some((t) => inTermTime(t, h.date)),
  );
  return { terms, inset: [autumnStart, springStart], bankHolidays };
}

/** A weekday inside the term and outside its half term. */
function inTermTime(t: Term, date: IsoDate): boolean {
  if (weekday(date) > 4 || date < t.start || date > t.end) return false;
  return !(t.halfTerm && date >= t.halfTerm.start && date <= t.halfTerm.end);
}

/**
 * A typical English school year starting in September of `year`: three terms with a week's half
 * term each, an INSET day at the start of the autumn and spring terms, and the England and Wales
 * bank holidays that fall in term time (the early May one always; Good Friday and Easter Monday when
 * Easter is late or early) as closures.
 */
export function englishSchoolYear(year: number): { terms: Term[]; closures: IsoDate[] } {
  const t = typicalYear(year);
  const closures = [...new Set([...t.inset, ...t.bankHolidays.map((h) => h.date)])].sort();
  return { terms: t.terms, closures };
}

// ---------------------------------------------------------------------------------------------
// The editor's draft

export interface DraftTerm {
  name: string;
  start: IsoDate | '';
  end: IsoDate | '';
  /** Both empty: no half term. */
  halfTermStart: IsoDate | '';
  halfTermEnd: IsoDate | '';
}

export interface DraftClosure {
  date: IsoDate | '';
  /** Why the school is closed ("Early May bank holiday", "Polling day"). */
  reason: string;
}

export interface CalendarDraft {
  /** The school's name, as the calendar file names it. */
  name: string;
  lessonsPerDay: number;
  /** Empty: letters say "the local authority". */
  localAuthority: string;
  terms: DraftTerm[];
  /** INSET (training) days: school is closed to pupils. */
  inset: (IsoDate | '')[];
  /** Other days the school is closed in term time: bank holidays, polling days, emergencies. */
  closures: DraftClosure[];
}

/** The editor's starting point: a typical English school year with its bank holidays in term time. */
export function englishCalendarDraft(
  year: number,
  school: { name?: string; lessonsPerDay?: number; localAuthority?: string } = {},
): CalendarDraft {
  const t = typicalYear(year);
  return {
    name: school.name ?? '',
    lessonsPerDay: school.lessonsPerDay ?? 5,
    localAuthority: school.localAuthority ?? '',
    terms: t.terms.map((term) => ({
      name: term.name,
      start: term.start,
      end: term.end,
      halfTermStart: term.halfTerm?.start ?? '',
      halfTermEnd: term.halfTerm?.end ?? '',
    })),
    inset: [...t.inset],
    closures: t.bankHolidays.map((h) => ({
      date: h.date,
      reason: `${h.title}${h.notes ? ` (${h.notes.toLowerCase()})` : ''}${h.source === 'calculated' ? ' (calculated: check gov.uk)' : ''}`,
    })),
  };
}

/** A problem in the draft: `field` names the input ("terms.1.end", "inset.0", "name"). */
export interface DraftProblem {
  field: string;
  message: string;
}

function termLabel(t: DraftTerm, i: number): string {
  return t.name.trim() || `Term ${i + 1}`;
}

/**
 * What stops the draft being a calendar, each said so a person can mend it: a missing or impossible
 * date, a term that ends before it starts, a half term outside its term, terms that overlap, an
 * INSET day or closure that is not a school day anyway, the same day twice. Empty when it is fine.
 */
export function draftProblems(draft: CalendarDraft): DraftProblem[] {
  const problems: DraftProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  if (draft.name.trim() === '') add('name', 'Give the school’s name.');
  if (!Number.isInteger(draft.lessonsPerDay) || draft.lessonsPerDay < 1 || draft.lessonsPerDay > 12)
    add('lessonsPerDay', 'Lessons per day must be a whole number from 1 to 12.');
  if (draft.localAuthority.trim().length > 120)
    add('localAuthority', 'The local authority’s name is too long (120 characters at most).');
  if (draft.terms.length === 0) add('terms', 'Add at least one term.');

  const names = new Map<string, number>();
  const goodTerms: { t: DraftTerm; i: number }[] = [];
  draft.terms.forEach((t, i) => {
    const label = termLabel(t, i);
    if (t.name.trim() === '') add(`terms.${i}.name`, `Term ${i + 1} needs a name, e.g. “Autumn 2026”.`);
    else if (names.has(t.name.trim().toLowerCase()))
      add(`terms.${i}.name`, `Two terms are called “${t.name.trim()}”: give each its own name.`);
    names.set(t.name.trim().toLowerCase(), i);
    let datesOk = true;
    for (const [key, what] of [
      ['start', 'first day'],
      ['end', 'last day'],
    ] as const) {
      if (!isRealDate(t[key])) {
        add(`terms.${i}.${key}`, `${label}: give its ${what}.`);
        datesOk = false;
      }
    }
    if (datesOk && t.end <= t.start) {
      add(
        `terms.${i}.end`,
        `${label}: the last day (${longDate(t.end)}) must be after the first (${longDate(t.start)}).`,
      );
      datesOk = false;
    }
    const hasHalf = t.halfTermStart !== '' || t.halfTermEnd !== '';
    if (hasHalf) {
      const s = isRealDate(t.halfTermStart);
      const e = isRealDate(t.halfTermEnd);
      if (!s)
        add(`terms.${i}.halfTermStart`, `${label}: give the first day of the half term, or clear both.`);
      if (!e) add(`terms.${i}.halfTermEnd`, `${label}: give the last day of the half term, or clear both.`);
      if (s && e && t.halfTermEnd < t.halfTermStart) {
        add(
          `terms.${i}.halfTermEnd`,
          `${label}: the half term ends (${longDate(t.halfTermEnd)}) before it starts (${longDate(t.halfTermStart)}).`,
        );
      } else if (s && e && datesOk && (t.halfTermStart <= t.start || t.halfTermEnd >= t.end)) {
        add(
          `terms.${i}.halfTermStart`,
          `${label}: the half term (${longDate(t.halfTermStart)} to ${longDate(t.halfTermEnd)}) must be inside the term, with school days before and after it.`,
        );
      }
    }
    if (datesOk) goodTerms.push({ t, i });
  });

  const sorted = [...goodTerms].sort((a, b) => (a.t.start < b.t.start ? -1 : 1));
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1]!;
    const cur = sorted[k]!;
    if (cur.t.start <= prev.t.end) {
      add(
        `terms.${cur.i}.start`,
        `${termLabel(cur.t, cur.i)} (from ${longDate(cur.t.start)}) overlaps ${termLabel(prev.t, prev.i)} (to ${longDate(prev.t.end)}).`,
      );
    }
  }

  const terms = goodTerms.map(({ t }) => termOf(t));
  const seen = new Map<string, string>();
  const checkDay = (field: string, date: string, what: string) => {
    if (!isRealDate(date)) {
      add(field, `${what}: give the date, or remove it.`);
      return;
    }
    const before = seen.get(date);
    if (before) add(field, `${longDate(date)} is listed twice (also as ${before}).`);
    seen.set(date, what.charAt(0).toLowerCase() + what.slice(1));
    if (terms.length > 0 && !terms.some((t) => inTermTime(t, date)))
      add(
        field,
        `${what} on ${longDate(date)} is not a school day anyway (a weekend, a holiday or a half term): remove it, or correct the date.`,
      );
  };
  draft.inset.forEach((d, i) => checkDay(`inset.${i}`, d, 'An INSET day'));
  draft.closures.forEach((c, i) =>
    checkDay(`closures.${i}.date`, c.date, c.reason.trim() ? `“${c.reason.trim()}”` : 'A closure'),
  );
  return problems;
}

function termOf(t: DraftTerm): Term {
  return {
    name: t.name.trim(),
    start: t.start,
    end: t.end,
    ...(t.halfTermStart && t.halfTermEnd ? { halfTerm: { start: t.halfTermStart, end: t.halfTermEnd } } : {}),
  };
}

/** The days the school is closed in term time: INSET days and other closures, once each, in order. */
function closureDates(draft: CalendarDraft): IsoDate[] {
  const all = [...draft.inset, ...draft.closures.map((c) => c.date)].filter(isRealDate);
  return [...new Set(all)].sort();
}

/** Weekdays in the term, less its half term and the closures: the days pupils are expected in. */
export function schoolDaysInTerm(term: Term, closures: readonly IsoDate[]): number {
  if (!isRealDate(term.start) || !isRealDate(term.end) || term.end < term.start) return 0;
  const closed = new Set(closures);
  let n = 0;
  for (let d = dayNumber(term.start); d <= dayNumber(term.end); d++) {
    const iso = isoOf(d);
    if (inTermTime(term, iso) && !closed.has(iso)) n++;
  }
  return n;
}

export interface DraftSummary {
  terms: { name: string; schoolDays: number }[];
  schoolDays: number;
  insetDays: number;
  closures: number;
}

/** School days per term and in all, as the editor shows them while the form changes. */
export function draftSummary(draft: CalendarDraft): DraftSummary {
  const closures = closureDates(draft);
  const terms = draft.terms.map((t, i) => ({
    name: termLabel(t, i),
    schoolDays: isRealDate(t.start) && isRealDate(t.end) ? schoolDaysInTerm(termOf(t), closures) : 0,
  }));
  return {
    terms,
    schoolDays: terms.reduce((s, t) => s + t.schoolDays, 0),
    insetDays: draft.inset.filter(isRealDate).length,
    closures: draft.closures.filter((c) => isRealDate(c.date)).length,
  };
}

/**
 * The calendar file the import reads (`calendarFileSchema`), from a draft with no problems. INSET
 * days and other closures are both `closures` in the file: school is shut to pupils on each.
 */
export function calendarFromDraft(draft: CalendarDraft, schoolId: string): SchoolCalendarFile {
  const localAuthority = draft.localAuthority.trim();
  return {
    school: schoolId.trim(),
    name: draft.name.trim(),
    lessonsPerDay: draft.lessonsPerDay,
    ...(localAuthority ? { localAuthority } : {}),
    terms: draft.terms.map(termOf),
    closures: closureDates(draft),
  };
}
