// Small parsers shared by the CLI commands.
import { InvalidArgumentError } from 'commander';
import type { SchoolCalendar } from '../../domain/calendar';
import type { IsoDate } from '../../domain/types';

export function parseIsoDateOption(value: string): IsoDate {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidArgumentError(`"${value}" is not a date: use YYYY-MM-DD`);
  }
  return value;
}

/** Today when it is a school day, else the last school day before it (clamped to the calendar). */
export function defaultAsOf(
  calendar: SchoolCalendar,
  today: IsoDate = new Date().toISOString().slice(0, 10),
): IsoDate {
  if (today > calendar.lastSchoolDay) return calendar.lastSchoolDay;
  if (today < calendar.firstSchoolDay) return calendar.firstSchoolDay;
  return calendar.isSchoolDay(today) ? today : (calendar.previousSchoolDay(today) ?? calendar.firstSchoolDay);
}
