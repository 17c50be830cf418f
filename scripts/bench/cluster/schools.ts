// The cluster benchmark's schools: each a persistent-absence cohort, so the three-letter system opens
// a case for every pupil. Names, year groups and parents come from the synthetic roster generator
// (api/demo/synthetic.ts); the marks are made here, on a pattern that keeps every pupil's attendance
// below 90% over any 10 school weeks (the policy's entry rule), whatever day the benchmark runs.
// Everything goes in through the real import (store/imports.ts runImport), as a school's files would.
import { buildCalendar, type SchoolCalendar } from '../../../domain/calendar';
import { englishSchoolYear, schoolYearOf } from '../../../domain/englishCalendar';
import type { IsoDate, SchoolCalendarFile } from '../../../domain/types';
import { syntheticPupil } from '../../../api/demo/synthetic';
import type { Db } from '../../../store/db';
import { runImport } from '../../../store/imports';
import { rowsFromObjects } from '../../../store/rows';
import { setSchoolPolicy } from '../../../store/schools';

export const BENCH_POLICY = { id: 'three-letter-system', version: '2' };

/** Every twentieth pupil has a child-in-need flag: their Letter 1 waits for the team's approval. */
export const FLAGGED_EVERY = 20;

export function benchSchoolId(n: number): string {
  return `9${String(n).padStart(5, '0')}`;
}

/** The school year holding `today`, as a typical English school sets it out. */
export function benchCalendarFile(school: string, today: IsoDate): SchoolCalendarFile {
  const year = schoolYearOf(today);
  return {
    school,
    name: `Bench school ${school} ${year}-${String((year + 1) % 100).padStart(2, '0')}`,
    lessonsPerDay: 5,
    ...englishSchoolYear(year),
  };
}

/**
 * The day the sweeps evaluate: today if it is a school day, else the school day before. The first
 * sweep runs with this day's registers still empty; its marks are imported before the second sweep,
 * so that sweep has new figures to send every case.
 */
export function benchAsOf(calendar: SchoolCalendar, today: IsoDate): IsoDate {
  const day = calendar.isSchoolDay(today) ? today : calendar.previousSchoolDay(today);
  if (!day) throw new Error(`the school year holding ${today} has no school day on or before it`);
  const marked = calendar.schoolDaysBetween(calendar.firstSchoolDay, day).length - 1;
  // Any 20 school days of the pattern below hold 3 to 5 days away (the policy judges none on fewer
  // than 30 sessions).
  if (marked < 20)
    throw new Error(
      `only ${marked} school days of marks before ${day}: run the benchmark after the first weeks of term`,
    );
  return day;
}

/**
 * Pupil i misses `a` days in every 20 (3, 4 or 5), spread out: (day * 7 + i) mod 20 < a. Any 50 school
 * days hold at least 2a of them, so attendance over 10 school weeks is at most 88%. A missed day is
 * illness (I) one time in three, otherwise unauthorised (O); both sessions.
 */
function markFor(pupil: number, dayIndex: number): { am: string; pm: string } {
  const a = 3 + (pupil % 3);
  if ((dayIndex * 7 + pupil) % 20 >= a) return { am: '/', pm: '\\' };
  const code = (dayIndex + pupil) % 3 === 0 ? 'I' : 'O';
  return { am: code, pm: code };
}

interface BenchPupil {
  upn: string;
  roster: Record<string, string>;
}

function benchPupils(schoolNumber: number, pupils: number): BenchPupil[] {
  return Array.from({ length: pupils }, (_, i) => {
    const p = syntheticPupil(1, schoolNumber, i);
    const c = p.contacts[0]!;
    return {
      upn: p.upn,
      roster: {
        upn: p.upn,
        given_name: p.givenName,
        family_name: p.familyName,
        year_group: String(p.yearGroup),
        date_of_birth: p.dateOfBirth,
        contact1_name: c.name,
        contact1_email: c.email,
        contact1_phone: c.phone,
        contact2_name: '',
        contact2_email: '',
        contact2_phone: '',
        flags: i % FLAGGED_EVERY === 0 ? 'cin' : '',
      },
    };
  });
}

function markRows(pupils: BenchPupil[], days: IsoDate[], firstIndex: number) {
  return rowsFromObjects(
    pupils.flatMap((p, i) =>
      days.flatMap((date, k) => {
        const m = markFor(i, firstIndex + k);
        return [
          { upn: p.upn, date, session: 'AM', code: m.am },
          { upn: p.upn, date, session: 'PM', code: m.pm },
        ];
      }),
    ),
  );
}

export interface ImportedSchool {
  schoolId: string;
  pupils: number;
  markRows: number;
  importMs: number;
}

/**
 * Imports one school through runImport: its calendar, roster and every mark up to the day before
 * `asOf`; and sets its policy to the three-letter system.
 */
export async function importBenchSchool(
  db: Db,
  n: number,
  pupils: number,
  today: IsoDate,
  asOf: IsoDate,
): Promise<ImportedSchool> {
  const schoolId = benchSchoolId(n);
  const calendarFile = benchCalendarFile(schoolId, today);
  const calendar = buildCalendar(calendarFile);
  const roster = benchPupils(n, pupils);
  const days = calendar.schoolDaysBetween(calendar.firstSchoolDay, calendar.previousSchoolDay(asOf)!);
  const marks = markRows(roster, days, 0);
  const t0 = performance.now();
  await runImport(db, {
    schoolId,
    calendar: calendarFile,
    roster: rowsFromObjects(roster.map((p) => p.roster)),
    marks,
  });
  const importMs = performance.now() - t0;
  await setSchoolPolicy(db, schoolId, BENCH_POLICY.id, BENCH_POLICY.version);
  return { schoolId, pupils, markRows: marks.length, importMs };
}

/** Imports the registers of `asOf` itself (every pupil present), through runImport. */
export async function importDayMarks(db: Db, n: number, pupils: number, asOf: IsoDate): Promise<number> {
  const roster = benchPupils(n, pupils);
  const rows = rowsFromObjects(
    roster.flatMap((p) => [
      { upn: p.upn, date: asOf, session: 'AM', code: '/' },
      { upn: p.upn, date: asOf, session: 'PM', code: '\\' },
    ]),
  );
  await runImport(db, { schoolId: benchSchoolId(n), marks: rows });
  return rows.length;
}
