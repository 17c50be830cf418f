// What the daily sweep last sent each pupil's open case: a digest of the figures, so it signals a
// case only when they changed (activities/caseData.ts sweepSchool).
import type { IsoDate } from '../domain/types';
import type { Db } from './db';

/** The school's pupils' last digests: pupil id -> digest. */
export async function getSweepDigests(db: Db, schoolId: string): Promise<Map<string, string>> {
  if (db.memory) return db.memory.getSweepDigests(schoolId);
  const { rows } = await db.query<{ pupil_id: string; digest: string }>(
    'SELECT pupil_id::text AS pupil_id, digest FROM sweep_digests WHERE school_id = $1',
    [schoolId],
  );
  return new Map(rows.map((r) => [r.pupil_id, r.digest]));
}

/** Records that the pupil's case was sent (or opened with) these figures on `sentOn`. */
export async function saveSweepDigest(
  db: Db,
  d: { pupilId: string; schoolId: string; digest: string; sentOn: IsoDate },
): Promise<void> {
  if (db.memory) return db.memory.saveSweepDigest(d);
  await db.query(
    `INSERT INTO sweep_digests (pupil_id, school_id, digest, sent_on) VALUES ($1, $2, $3, $4)
     ON CONFLICT (pupil_id) DO UPDATE SET digest = EXCLUDED.digest, sent_on = EXCLUDED.sent_on`,
    [d.pupilId, d.schoolId, d.digest, d.sentOn],
  );
}
