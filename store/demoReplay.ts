// The demo school's replayed term: how far it has got (the banner), whether it finished (a replay
// cut short is started again), and clearing a cut-short replay's cases first. Only ever used for
// the demo school, whose data is synthetic.
import type { IsoDate } from '../domain/types';
import type { Db } from './db';

/**
 * A replay not heard from for this long has stopped (the process died); the banner stops showing it.
 * It reports every replayed day and every 25 cases handed over; a day on a busy machine can take
 * a few minutes.
 */
const REPLAY_SILENT_MS = 10 * 60_000;

export interface DemoReplayProgress {
  days: number;
  done: number;
  /** The school day the replay has reached. */
  onDate: IsoDate | null;
  finishedAt: string | null;
  error: string | null;
  running: boolean;
}

export async function replayStarted(db: Db, schoolId: string, days: number): Promise<void> {
  await db.query(
    `INSERT INTO demo_replay (school_id, started_at, updated_at, days, done, on_date, finished_at, error)
     VALUES ($1, now(), now(), $2, 0, NULL, NULL, NULL)
     ON CONFLICT (school_id) DO UPDATE SET started_at = now(), updated_at = now(), days = EXCLUDED.days,
       done = 0, on_date = NULL, finished_at = NULL, error = NULL`,
    [schoolId, days],
  );
}

export async function replayAdvanced(
  db: Db,
  schoolId: string,
  done: number,
  onDate: IsoDate | null,
): Promise<void> {
  await db.query(
    'UPDATE demo_replay SET done = $2, on_date = COALESCE($3, on_date), updated_at = now() WHERE school_id = $1',
    [schoolId, done, onDate],
  );
}

export async function replayFinished(db: Db, schoolId: string, error: string | null): Promise<void> {
  await db.query(
    'UPDATE demo_replay SET updated_at = now(), finished_at = now(), error = $2 WHERE school_id = $1',
    [schoolId, error],
  );
}

export async function getReplayProgress(
  db: Db,
  schoolId: string,
  nowMs: number,
): Promise<DemoReplayProgress | null> {
  // A what-if never replays the demo term.
  if (db.memory) return null;
  const { rows } = await db.query<{
    days: number;
    done: number;
    on_date: string | null;
    updated_at: string;
    finished_at: string | null;
    error: string | null;
  }>(
    `SELECT days, done, on_date::text AS on_date, updated_at::text AS updated_at,
            finished_at::text AS finished_at, error
     FROM demo_replay WHERE school_id = $1`,
    [schoolId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    days: r.days,
    done: r.done,
    onDate: r.on_date,
    finishedAt: r.finished_at,
    error: r.error,
    running: r.finished_at === null && nowMs - Date.parse(r.updated_at) < REPLAY_SILENT_MS,
  };
}

/**
 * Removes every case record of a school (timelines, letters, messages, meetings, tasks, packs,
 * notices, sweep digests). For the demo school only, when its replay was cut short: the cases it
 * had opened lived on the replay's own server, which is gone. The audit log is never touched.
 */
export async function clearDemoCases(db: Db, schoolId: string): Promise<void> {
  await db.transaction(async (tx) => {
    for (const table of [
      'task_assignees',
      'case_events',
      'evidence_packs',
      'penalty_notices',
      'letters',
      'outbox',
      'meetings',
      'staff_tasks',
      'sweep_digests',
      'cases',
    ]) {
      await tx.query(`DELETE FROM ${table} WHERE school_id = $1`, [schoolId]);
    }
  });
}
