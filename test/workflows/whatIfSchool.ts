// The school the what-if tests run: eight families a school would recognise, each taking a different
// route through a policy, with marks from the first day of the year to the end of the autumn term.
import { buildCalendar } from '../../domain/calendar';
import type { IsoDate } from '../../domain/types';
import type { Db } from '../../store/db';
import { runImport } from '../../store/imports';
import { rowsFromObjects } from '../../store/rows';
import { upnCheckLetter } from '../../store/validate';
import { CALENDAR, SCHOOL_ID } from './harness';

export const FROM = '2025-11-17'; // ten school weeks into the year: rolling figures are meaningful
export const TO = '2025-12-19'; // the end of the autumn term

type Mark = (date: IsoDate, session: 'AM' | 'PM', day: number) => string | null;
const present: Mark = (_d, s) => (s === 'AM' ? '/' : '\\');
const absentWhen =
  (absent: (date: IsoDate, session: 'AM' | 'PM', day: number) => string | null): Mark =>
  (d, s, i) =>
    absent(d, s, i) ?? present(d, s, i);

/** Families a school would recognise, each taking a different route through a policy. */
export const FAMILIES: {
  given: string;
  family: string;
  flags?: string;
  email?: string;
  mark: Mark;
}[] = [
  // Absent every sixth day before the period, every third day in it.
  {
    given: 'Amira',
    family: 'Khan',
    mark: absentWhen((d, s, i) =>
      d < FROM ? (i % 6 === 0 && s === 'AM' ? 'O' : null) : i % 3 === 0 ? 'O' : null,
    ),
  },
  // About 92% before the period, then there every day.
  {
    given: 'Ben',
    family: 'Lewis',
    mark: absentWhen((d, s, i) => (d < FROM && i % 6 === 0 && s === 'AM' ? 'O' : null)),
  },
  // About 86%, steady.
  {
    given: 'Cleo',
    family: 'Morris',
    mark: absentWhen((_d, s, i) => (i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null)),
  },
  // The same, with a child-protection flag: nothing goes to the family without a person.
  {
    given: 'Dan',
    family: 'Price',
    flags: 'cp',
    mark: absentWhen((_d, s, i) => (i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null)),
  },
  // Below 50%.
  { given: 'Evie', family: 'Shaw', mark: absentWhen((_d, _s, i) => (i % 4 !== 0 ? 'O' : null)) },
  // Often ill (I), now and then away without a reason.
  {
    given: 'Finn',
    family: 'Hughes',
    mark: absentWhen((_d, _s, i) => (i % 5 === 0 ? 'I' : i % 9 === 0 ? 'O' : null)),
  },
  // No e-mail address: letters go by post.
  {
    given: 'Grace',
    family: 'Patel',
    email: '',
    mark: absentWhen((_d, s, i) => (i % 6 === 0 ? 'O' : i % 10 === 0 && s === 'AM' ? 'O' : null)),
  },
  // There every day.
  { given: 'Harry', family: 'Owen', mark: present },
];

export function upn(i: number): string {
  const digits = `8202005${String(i).padStart(5, '0')}`;
  return upnCheckLetter(digits) + digits;
}

export async function seedSchool(db: Db): Promise<void> {
  const calendar = buildCalendar(CALENDAR);
  const days = calendar.schoolDaysBetween(calendar.firstSchoolDay, TO);
  await runImport(db, {
    schoolId: SCHOOL_ID,
    calendar: CALENDAR,
    roster: rowsFromObjects(
      FAMILIES.map((f, i) => ({
        upn: upn(i + 1),
        given_name: f.given,
        family_name: f.family,
        year_group: '5',
        date_of_birth: '2015-05-01',
        contact1_name: `Parent of ${f.given} ${f.family}`,
        contact1_email: f.email ?? `parent.${f.given.toLowerCase()}@example.org`,
        contact1_phone: '',
        contact1_address: `${i + 1} Harbour Lane|Bradford`,
        contact1_postcode: 'BD1 1AA',
        flags: f.flags ?? '',
      })),
    ),
    marks: rowsFromObjects(
      FAMILIES.flatMap((f, i) =>
        days.flatMap((date, dayIndex) =>
          (['AM', 'PM'] as const).map((session) => ({
            upn: upn(i + 1),
            date,
            session,
            code: f.mark(date, session, dayIndex)!,
          })),
        ),
      ),
    ),
  });
}
