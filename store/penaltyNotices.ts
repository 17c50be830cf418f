// Penalty notices per parent, per child (migration 0061). The rules live in domain/penaltyNotices.ts;
// this module only reads and writes rows, each change appended to the row's history.
import type { PenaltyNoticeOutcome } from '../domain/penaltyNotices';
import type { IsoDate } from '../domain/types';
import type { Db } from './db';

export interface PenaltyNoticeChange {
  outcome: PenaltyNoticeOutcome;
  on: IsoDate;
  by: string;
  at: string;
}

export interface PenaltyNoticeRecord {
  id: string;
  schoolId: string;
  pupilId: string;
  caseId: string | null;
  parentName: string;
  ordinal: 1 | 2;
  requestedOn: IsoDate;
  requestedBy: string;
  issuedOn: IsoDate | null;
  outcome: PenaltyNoticeOutcome;
  outcomeOn: IsoDate;
  history: PenaltyNoticeChange[];
}

/** The same parent across roster re-imports: their name, trimmed and lower-cased. */
export function parentKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

const COLUMNS = `id::text AS id, school_id, pupil_id::text AS pupil_id, case_id, parent_name, ordinal,
  requested_on::text AS requested_on, requested_by, issued_on::text AS issued_on, outcome,
  outcome_on::text AS outcome_on, history`;

interface Row {
  id: string;
  school_id: string;
  pupil_id: string;
  case_id: string | null;
  parent_name: string;
  ordinal: 1 | 2;
  requested_on: string;
  requested_by: string;
  issued_on: string | null;
  outcome: PenaltyNoticeOutcome;
  outcome_on: string;
  history: PenaltyNoticeChange[];
}

const toRecord = (r: Row): PenaltyNoticeRecord => ({
  id: r.id,
  schoolId: r.school_id,
  pupilId: r.pupil_id,
  caseId: r.case_id,
  parentName: r.parent_name,
  ordinal: r.ordinal,
  requestedOn: r.requested_on,
  requestedBy: r.requested_by,
  issuedOn: r.issued_on,
  outcome: r.outcome,
  outcomeOn: r.outcome_on,
  history: r.history,
});

/** Every notice for this child, oldest first. */
export async function penaltyNoticesForPupil(db: Db, pupilId: string): Promise<PenaltyNoticeRecord[]> {
  // A what-if copies no notices: its cases start with none on record.
  if (db.memory) return [];
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM penalty_notices WHERE pupil_id = $1 ORDER BY requested_on, id`,
    [pupilId],
  );
  return rows.map(toRecord);
}

export async function getPenaltyNotice(db: Db, id: string): Promise<PenaltyNoticeRecord | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM penalty_notices WHERE id = $1`, [id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function insertPenaltyNotice(
  db: Db,
  n: {
    schoolId: string;
    pupilId: string;
    caseId: string | null;
    parentName: string;
    ordinal: 1 | 2;
    requestedOn: IsoDate;
    by: string;
  },
): Promise<PenaltyNoticeRecord> {
  const history: PenaltyNoticeChange[] = [
    { outcome: 'requested', on: n.requestedOn, by: n.by, at: new Date().toISOString() },
  ];
  const { rows } = await db.query<Row>(
    `INSERT INTO penalty_notices (school_id, pupil_id, case_id, parent_name, parent_key, ordinal, requested_on,
       requested_by, outcome, outcome_on, history)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'requested', $7, $9::jsonb) RETURNING ${COLUMNS}`,
    [
      n.schoolId,
      n.pupilId,
      n.caseId,
      n.parentName,
      parentKey(n.parentName),
      n.ordinal,
      n.requestedOn,
      n.by,
      JSON.stringify(history),
    ],
  );
  return toRecord(rows[0]!);
}

/** Removes requests just made that their case then refused to record (api/services/penaltyNotices.ts). */
export async function deletePenaltyNotices(db: Db, ids: string[]): Promise<void> {
  if (ids.length) await db.query('DELETE FROM penalty_notices WHERE id = ANY($1::bigint[])', [ids]);
}

/** Records a new outcome (the caller has checked it may follow the current one). */
export async function setPenaltyNoticeOutcome(
  db: Db,
  id: string,
  change: { outcome: PenaltyNoticeOutcome; on: IsoDate; by: string },
): Promise<PenaltyNoticeRecord> {
  const entry: PenaltyNoticeChange = { ...change, at: new Date().toISOString() };
  const { rows } = await db.query<Row>(
    `UPDATE penalty_notices
        SET outcome = $2, outcome_on = $3,
            issued_on = CASE WHEN $2 = 'issued' THEN $3::date ELSE issued_on END,
            history = history || $4::jsonb
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, change.outcome, change.on, JSON.stringify([entry])],
  );
  return toRecord(rows[0]!);
}
