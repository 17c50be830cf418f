// Schools and their calendars.
import { buildCalendar, type SchoolCalendar } from '../domain/calendar';
import type { SchoolCalendarFile } from '../domain/types';
import type { Db } from './db';

export interface School {
  id: string;
  name: string;
  calendar: SchoolCalendarFile;
  lessonsPerDay: number;
  policyId: string | null;
  policyVersion: string | null;
  /**
   * A change to a parent's contact details, or a safeguarding flag taken off, waits for a second
   * person's approval before letters use it (docs/contact-changes.md). Off unless the school turns it on.
   */
  contactChangesNeedApproval: boolean;
  createdAt: string;
  updatedAt: string;
}

interface SchoolRow {
  id: string;
  name: string;
  calendar: SchoolCalendarFile;
  lessons_per_day: number;
  policy_id: string | null;
  policy_version: string | null;
  contact_changes_need_approval: boolean;
  created_at: string;
  updated_at: string;
}

const SCHOOL_COLUMNS = `id, name, calendar, lessons_per_day, policy_id, policy_version,
  contact_changes_need_approval, created_at::text AS created_at, updated_at::text AS updated_at`;

function toSchool(r: SchoolRow): School {
  return {
    id: r.id,
    name: r.name,
    calendar: r.calendar,
    lessonsPerDay: r.lessons_per_day,
    policyId: r.policy_id,
    policyVersion: r.policy_version,
    contactChangesNeedApproval: r.contact_changes_need_approval,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function getSchool(db: Db, id: string): Promise<School | null> {
  if (db.memory) return db.memory.getSchool(id);
  const { rows } = await db.query<SchoolRow>(`SELECT ${SCHOOL_COLUMNS} FROM schools WHERE id = $1`, [id]);
  return rows[0] ? toSchool(rows[0]) : null;
}

export async function listSchools(db: Db): Promise<School[]> {
  if (db.memory) return db.memory.listSchools();
  const { rows } = await db.query<SchoolRow>(`SELECT ${SCHOOL_COLUMNS} FROM schools ORDER BY id`);
  return rows.map(toSchool);
}

/**
 * Creates or replaces a school's calendar (name and lessons per day come from the calendar file).
 * Returns whether anything changed. The caller validates the file (calendarFileSchema) first.
 */
export async function upsertSchool(
  db: Db,
  calendar: SchoolCalendarFile,
): Promise<{ school: School; status: 'inserted' | 'changed' | 'unchanged' }> {
  const json = JSON.stringify(calendar);
  const { rows } = await db.query<SchoolRow & { inserted: boolean; changed: boolean }>(
    `WITH before AS (SELECT calendar FROM schools WHERE id = $1)
     INSERT INTO schools (id, name, calendar, lessons_per_day)
     VALUES ($1, $2, $3::text::jsonb, $4)
     ON CONFLICT (id) DO UPDATE
       SET name = excluded.name, calendar = excluded.calendar,
           lessons_per_day = excluded.lessons_per_day, updated_at = now()
       WHERE schools.name IS DISTINCT FROM excluded.name
          OR schools.calendar IS DISTINCT FROM excluded.calendar
          OR schools.lessons_per_day IS DISTINCT FROM excluded.lessons_per_day
     RETURNING ${SCHOOL_COLUMNS}, NOT EXISTS (SELECT 1 FROM before) AS inserted, true AS changed`,
    [calendar.school, calendar.name, json, calendar.lessonsPerDay],
  );
  if (rows[0]) return { school: toSchool(rows[0]), status: rows[0].inserted ? 'inserted' : 'changed' };
  const school = await getSchool(db, calendar.school);
  if (!school) throw new Error(`school ${calendar.school} vanished during upsert`);
  return { school, status: 'unchanged' };
}

/** Records which policy (and version) a school runs. */
export async function setSchoolPolicy(
  db: Db,
  schoolId: string,
  policyId: string | null,
  policyVersion: string | null,
): Promise<void> {
  await db.query('UPDATE schools SET policy_id = $2, policy_version = $3, updated_at = now() WHERE id = $1', [
    schoolId,
    policyId,
    policyVersion,
  ]);
}

/** Turns the second approval of contact and safeguarding-flag changes on or off; false when no such school. */
export async function setContactChangesNeedApproval(db: Db, schoolId: string, on: boolean): Promise<boolean> {
  const { rows } = await db.query<{ id: string }>(
    'UPDATE schools SET contact_changes_need_approval = $2 WHERE id = $1 RETURNING id',
    [schoolId, on],
  );
  return rows.length > 0;
}

/** The school's calendar, built (school days, weeks) from the stored file. */
export async function getSchoolCalendar(db: Db, schoolId: string): Promise<SchoolCalendar | null> {
  const school = await getSchool(db, schoolId);
  return school ? buildCalendar(school.calendar) : null;
}
