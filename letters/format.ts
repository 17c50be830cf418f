// Dates and times as a UK letter writes them, and Europe/London wall time <-> UTC instants.
// Pure functions with no dependence on the machine's time zone.
import { toDayNumber, weekdayOf } from '../domain/calendar';
import type { IsoDate } from '../domain/types';

export const SCHOOL_TIME_ZONE = 'Europe/London';

/** The months as a letter names them. */
export const MONTHS = [
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
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** `14 March 2025`. */
export function formatLongDate(date: IsoDate): string {
  toDayNumber(date); // validates
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

/** `Friday 14 March 2025`. */
export function formatLongDateWithWeekday(date: IsoDate): string {
  return `${WEEKDAYS[weekdayOf(date)]} ${formatLongDate(date)}`;
}

/** `9:30am`, `1:30pm`, `12:00pm` from `HH:MM`. */
export function formatTime12(hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const suffix = h >= 12 ? 'pm' : 'am';
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return `${h12}:${String(m).padStart(2, '0')}${suffix}`;
}

export interface LondonWallTime {
  date: IsoDate;
  /** `HH:MM`. */
  time: string;
}

const partsFormatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: SCHOOL_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** The London date and time of an instant. */
export function toLondon(instant: Date): LondonWallTime {
  const parts = Object.fromEntries(partsFormatter.formatToParts(instant).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** The instant a London wall-clock time happens (the later reading in the autumn overlap hour). */
export function fromLondon(date: IsoDate, time: string): Date {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const asUtc = Date.UTC(1970, 0, 1) + toDayNumber(date) * 86_400_000 + (h * 60 + m) * 60_000;
  // London is UTC+0 or UTC+1: try both offsets and keep the one that reads back as the wall time.
  for (const offsetMinutes of [0, 60]) {
    const candidate = new Date(asUtc - offsetMinutes * 60_000);
    const back = toLondon(candidate);
    if (back.date === date && back.time === time) return candidate;
  }
  // A time skipped by the spring change (01:xx on the last Sunday of March): the instant an hour on.
  return new Date(asUtc);
}

/** `Tuesday 18 March 2025 at 9:30am`, in London time. */
export function formatMeetingTime(instant: Date): string {
  const { date, time } = toLondon(instant);
  return `${formatLongDateWithWeekday(date)} at ${formatTime12(time)}`;
}

/** Minutes since midnight of `HH:MM`. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** `HH:MM` of minutes since midnight. */
export function hhmmOf(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Figures as a person says them in a letter to a family. One format for each kind of figure, so
// every letter (and every template a school writes) says the same number the same way.

const SMALL_NUMBERS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** "one" to "ten" in words, larger numbers as numerals (GOV.UK style for counts of days). */
export function numberWord(n: number): string {
  return Number.isInteger(n) && n >= 0 && n <= 10 ? SMALL_NUMBERS[n]! : String(n);
}

/**
 * `87.9%`: one decimal, rounded down, so a figure never reads as reaching a threshold it has not
 * reached (89.96% is "89.9%", never "90%"). A whole number has no decimal: `90%`, `100%`.
 */
export function formatPercent(pct: number): string {
  const tenths = Math.floor(Math.round(pct * 100) / 10);
  return tenths % 10 === 0 ? `${tenths / 10}%` : `${(tenths / 10).toFixed(1)}%`;
}

/** `1 session`, `3 sessions`, `1 unauthorised session`: a count with its noun agreeing. */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** Days (in halves) as a person says them: "half a day", "one day", "six and a half days", "12 days". */
export function formatDays(days: number): string {
  const halves = Math.round(days * 2);
  const whole = Math.floor(halves / 2);
  const half = halves % 2 === 1;
  if (whole === 0) return half ? 'half a day' : 'no days';
  if (!half) return `${numberWord(whole)} ${whole === 1 ? 'day' : 'days'}`;
  return `${numberWord(whole)} and a half days`;
}

/**
 * Lessons missed, an estimate (days missed times the school's lessons a day): "about 32 lessons".
 * Rounded down to a whole lesson, so an estimate never overstates; any lessons at all is at least one.
 */
export function formatLessons(lessons: number): string {
  if (lessons <= 0) return 'no lessons';
  const n = Math.max(1, Math.floor(lessons + 1e-9));
  return `about ${countOf(n, 'lesson')}`;
}

/** "once", "twice", "3 times". */
export function formatTimes(n: number): string {
  if (n === 1) return 'once';
  if (n === 2) return 'twice';
  return `${n} times`;
}

/** "from 8 September to 14 November 2025"; "from 8 December 2025 to 16 January 2026"; "on 14 November 2025". */
export function formatPeriod(from: IsoDate, to: IsoDate): string {
  if (from === to) return `on ${formatLongDate(to)}`;
  const sameYear = from.slice(0, 4) === to.slice(0, 4);
  const start = sameYear ? formatLongDate(from).replace(/ \d{4}$/, '') : formatLongDate(from);
  return `from ${start} to ${formatLongDate(to)}`;
}

/** "A and B", "A, B and C". */
export function joinWithAnd(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
