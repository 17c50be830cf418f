// Small calendars and mark builders for the domain tests (not used by production code).
import { buildCalendar, type SchoolCalendar } from './calendar';
import { MarkGrid } from './marks';
import type { IsoDate, SchoolCalendarFile } from './types';

/** A realistic English 2024-25 year. Half terms: 28 Oct-1 Nov, 17-21 Feb, 26-30 May. */
export const FILE_2024_25: SchoolCalendarFile = {
  school: 'school-1',
  name: 'Test Primary 2024-25',
  lessonsPerDay: 5,
  terms: [
    {
      name: 'Autumn',
      start: '2024-09-04',
      end: '2024-12-20',
      halfTerm: { start: '2024-10-28', end: '2024-11-01' },
    },
    {
      name: 'Spring',
      start: '2025-01-06',
      end: '2025-04-04',
      halfTerm: { start: '2025-02-17', end: '2025-02-21' },
    },
    {
      name: 'Summer',
      start: '2025-04-22',
      end: '2025-07-22',
      halfTerm: { start: '2025-05-26', end: '2025-05-30' },
    },
  ],
  // INSET day, and the early May bank holiday.
  closures: ['2024-11-04', '2025-05-05'],
};

export function calendar2024(): SchoolCalendar {
  return buildCalendar(FILE_2024_25);
}

/** Two consecutive years, for windows that cross the summer. */
export function calendarTwoYears(): SchoolCalendar {
  return buildCalendar({
    ...FILE_2024_25,
    name: 'Test Primary 2024-26',
    terms: [
      ...FILE_2024_25.terms,
      {
        name: 'Autumn 2025',
        start: '2025-09-03',
        end: '2025-12-19',
        halfTerm: { start: '2025-10-27', end: '2025-10-31' },
      },
    ],
  });
}

/** Marks both sessions of every school day in [from, to] (AM, PM codes; '/' means '/' AM and '\' PM). */
export function fill(
  grid: MarkGrid,
  calendar: SchoolCalendar,
  from: IsoDate,
  to: IsoDate,
  code = '/',
): MarkGrid {
  for (const d of calendar.schoolDaysBetween(from, to)) {
    grid.set(d, 'AM', code === '/' ? '/' : code);
    grid.set(d, 'PM', code === '/' ? '\\' : code);
  }
  return grid;
}

/** Marks both sessions of each listed day. */
export function markDays(grid: MarkGrid, dates: IsoDate[], code: string): MarkGrid {
  for (const d of dates) {
    grid.set(d, 'AM', code);
    grid.set(d, 'PM', code);
  }
  return grid;
}

/** A grid with every school day in [from, to] present. */
export function presentGrid(calendar: SchoolCalendar, from: IsoDate, to: IsoDate): MarkGrid {
  return fill(new MarkGrid(), calendar, from, to, '/');
}
