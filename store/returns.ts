// The office's records behind the returns (migration 0060): first-day call outcomes and the
// enquiries made before removal from roll. Rows are only ever added: the latest call of a day is its
// outcome; every enquiry stays, dated, as the evidence the council asks for.
import type { IsoDate } from '../domain/types';
import type { Db } from './db';

/** What came of a first-day call about an unexplained absence. */
export const FIRST_DAY_CALL_OUTCOMES = {
  reasonGiven: 'Spoke to a parent: reason given',
  noReason: 'Spoke to a parent: no reason given',
  noAnswer: 'No answer',
  messageLeft: 'Message left',
  noNumber: 'No working number',
} as const;
export type FirstDayCallOutcome = keyof typeof FIRST_DAY_CALL_OUTCOMES;

/** How an enquiry about a pupil's whereabouts was made. */
export const ENQUIRY_METHODS = {
  phone: 'Phone call',
  letter: 'Letter',
  email: 'Email',
  homeVisit: 'Home visit',
  otherSchool: 'Another school',
  localAuthority: 'The local authority',
  otherAgency: 'Another agency',
} as const;
export type EnquiryMethod = keyof typeof ENQUIRY_METHODS;

export interface FirstDayCall {
  id: string;
  pupilId: string;
  absenceOn: IsoDate;
  outcome: FirstDayCallOutcome;
  note: string | null;
  recordedBy: string;
  recordedAt: string;
}

export interface RollEnquiry {
  id: string;
  pupilId: string;
  madeOn: IsoDate;
  method: EnquiryMethod;
  note: string;
  recordedBy: string;
  recordedAt: string;
}

export async function recordFirstDayCall(
  db: Db,
  c: {
    schoolId: string;
    pupilId: string;
    absenceOn: IsoDate;
    outcome: FirstDayCallOutcome;
    note?: string;
    by: string;
  },
): Promise<FirstDayCall> {
  const { rows } = await db.query<FirstDayCallRow>(
    `INSERT INTO first_day_calls (school_id, pupil_id, absence_on, outcome, note, recorded_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${CALL_COLUMNS}`,
    [c.schoolId, c.pupilId, c.absenceOn, c.outcome, c.note ?? null, c.by],
  );
  return toCall(rows[0]!);
}

/** The latest call outcome of the day for each pupil. */
export async function firstDayCallsOn(
  db: Db,
  schoolId: string,
  on: IsoDate,
): Promise<Map<string, FirstDayCall>> {
  const { rows } = await db.query<FirstDayCallRow>(
    `SELECT ${CALL_COLUMNS} FROM first_day_calls WHERE school_id = $1 AND absence_on = $2 ORDER BY id`,
    [schoolId, on],
  );
  return new Map(rows.map((r) => [r.pupil_id, toCall(r)]));
}

export async function recordRollEnquiry(
  db: Db,
  e: { schoolId: string; pupilId: string; madeOn: IsoDate; method: EnquiryMethod; note: string; by: string },
): Promise<RollEnquiry> {
  const { rows } = await db.query<RollEnquiryRow>(
    `INSERT INTO roll_enquiries (school_id, pupil_id, made_on, method, note, recorded_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${ENQUIRY_COLUMNS}`,
    [e.schoolId, e.pupilId, e.madeOn, e.method, e.note, e.by],
  );
  return toEnquiry(rows[0]!);
}

/** Every enquiry recorded for the school's pupils, oldest first, by pupil. */
export async function rollEnquiries(db: Db, schoolId: string): Promise<Map<string, RollEnquiry[]>> {
  const { rows } = await db.query<RollEnquiryRow>(
    `SELECT ${ENQUIRY_COLUMNS} FROM roll_enquiries WHERE school_id = $1 ORDER BY made_on, id`,
    [schoolId],
  );
  const out = new Map<string, RollEnquiry[]>();
  for (const r of rows) out.set(r.pupil_id, [...(out.get(r.pupil_id) ?? []), toEnquiry(r)]);
  return out;
}

interface FirstDayCallRow {
  id: string;
  pupil_id: string;
  absence_on: string;
  outcome: FirstDayCallOutcome;
  note: string | null;
  recorded_by: string;
  recorded_at: string;
}
const CALL_COLUMNS = `id::text AS id, pupil_id::text AS pupil_id, absence_on::text AS absence_on, outcome, note,
  recorded_by, recorded_at::text AS recorded_at`;
const toCall = (r: FirstDayCallRow): FirstDayCall => ({
  id: r.id,
  pupilId: r.pupil_id,
  absenceOn: r.absence_on,
  outcome: r.outcome,
  note: r.note,
  recordedBy: r.recorded_by,
  recordedAt: r.recorded_at,
});

interface RollEnquiryRow {
  id: string;
  pupil_id: string;
  made_on: string;
  method: EnquiryMethod;
  note: string;
  recorded_by: string;
  recorded_at: string;
}
const ENQUIRY_COLUMNS = `id::text AS id, pupil_id::text AS pupil_id, made_on::text AS made_on, method, note,
  recorded_by, recorded_at::text AS recorded_at`;
const toEnquiry = (r: RollEnquiryRow): RollEnquiry => ({
  id: r.id,
  pupilId: r.pupil_id,
  madeOn: r.made_on,
  method: r.method,
  note: r.note,
  recordedBy: r.recorded_by,
  recordedAt: r.recorded_at,
});
