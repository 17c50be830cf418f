// How far a school's sweep has got (activities/caseData.ts writes it; the web app's banner reads it).
import type { IsoDate } from '../domain/types';
import type { Db } from './db';

/** A sweep not heard from for this long has stopped (its worker died); the banner stops showing it. */
export const SWEEP_SILENT_MS = 2 * 60_000;

export interface SweepProgress {
  asOf: IsoDate;
  startedAt: string;
  total: number;
  evaluated: number;
  finishedAt: string | null;
  /** Started, not finished, and heard from recently. */
  running: boolean;
}

export async function sweepStarted(db: Db, schoolId: string, asOf: IsoDate, total: number): Promise<void> {
  // A what-if's sweep has no banner to show.
  if (db.memory) return;
  await db.query(
    `INSERT INTO sweep_progress (school_id, as_of, started_at, updated_at, total, evaluated, finished_at)
     VALUES ($1, $2, now(), now(), $3, 0, NULL)
     ON CONFLICT (school_id) DO UPDATE SET as_of = EXCLUDED.as_of, started_at = now(), updated_at = now(),
       total = EXCLUDED.total, evaluated = 0, finished_at = NULL`,
    [schoolId, asOf, total],
  );
}

export async function sweepAdvanced(db: Db, schoolId: string, evaluated: number): Promise<void> {
  if (db.memory) return;
  await db.query('UPDATE sweep_progress SET evaluated = $2, updated_at = now() WHERE school_id = $1', [
    schoolId,
    evaluated,
  ]);
}

export async function sweepFinished(db: Db, schoolId: string, evaluated: number): Promise<void> {
  if (db.memory) return;
  await db.query(
    'UPDATE sweep_progress SET evaluated = $2, updated_at = now(), finished_at = now() WHERE school_id = $1',
    [schoolId, evaluated],
  );
}

export async function getSweepProgress(
  db: Db,
  schoolId: string,
  nowMs: number,
): Promise<SweepProgress | null> {
  const { rows } = await db.query<{
    as_of: string;
    started_at: string;
    updated_at: string;
    total: number;
    evaluated: number;
    finished_at: string | null;
  }>(
    `SELECT as_of::text AS as_of, started_at::text AS started_at, updated_at::text AS updated_at, total,
            evaluated, finished_at::text AS finished_at
     FROM sweep_progress WHERE school_id = $1`,
    [schoolId],
  );
  const r = rows[0];
  if (!r) return null;
  const heard = Date.parse(r.updated_at);
  return {
    asOf: r.as_of,
    startedAt: r.started_at,
    total: r.total,
    evaluated: r.evaluated,
    finishedAt: r.finished_at,
    running: r.finished_at === null && nowMs - heard < SWEEP_SILENT_MS,
  };
}
