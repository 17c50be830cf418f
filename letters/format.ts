// Dates and times as a UK letter writes them, and Europe/London wall time <-> UTC instants.
// Pure functions with no dependence on the machine's time zone.
import { toDayNumber, weekdayOf } from '../domain/calendar';
import type { IsoDate } from '../domain/types';

export const SCHOOL_TIME_ZONE = 'Europe/London';

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
