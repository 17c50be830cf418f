// How fresh the school's registers are, for the dashboard: where the marks come from (the MIS sync
// or uploads), when they last arrived, and a sync that failed, with what a person should do. The
// sweep is only as good as the marks it reads; a manager should see at a glance that they are old.
import type { Db } from '../../../store/db';
import { syncHealth, type SyncProblem } from '../../../store/integrations';

export interface DataFeed {
  /** Where the marks come from now: the school's MIS (a sync), or files uploaded by a person. */
  source: 'mis' | 'upload';
  /** When marks last arrived (a successful sync, or an upload of marks); null: never. */
  lastUpdatedAt: string | null;
  /** Hours since then, whole (null: never). */
  ageHours: number | null;
  /** True when the latest sync failed: nothing from it was applied. */
  failing: boolean;
  latestSync: {
    at: string;
    status: 'running' | 'succeeded' | 'failed';
    error: string | null;
    problems: SyncProblem[];
  } | null;
}

export async function dataFeed(
  db: Db,
  schoolId: string,
  now: number,
  misConnected: boolean,
): Promise<DataFeed> {
  const health = (await syncHealth(db, [schoolId])).get(schoolId);
  const { rows } = await db.query<{ at: Date | string | null }>(
    `SELECT max(finished_at) AS at FROM imports WHERE school_id = $1 AND kind = 'marks' AND status = 'succeeded'`,
    [schoolId],
  );
  const lastSync = health?.lastSucceeded?.finishedAt ?? null;
  const lastUpload = rows[0]?.at ? new Date(rows[0].at).toISOString() : null;
  // A sync imports its marks too, so the latest marks import covers both; a sync that brought no
  // changed marks still says the registers were read then.
  const lastUpdatedAt =
    [lastSync, lastUpload]
      .filter((x): x is string => x !== null)
      .sort()
      .at(-1) ?? null;
  const latest = health?.latest ?? null;
  return {
    source: misConnected || latest ? 'mis' : 'upload',
    lastUpdatedAt,
    ageHours: lastUpdatedAt ? Math.max(0, Math.floor((now - Date.parse(lastUpdatedAt)) / 3_600_000)) : null,
    failing: latest?.status === 'failed',
    latestSync: latest
      ? {
          at: latest.finishedAt ?? latest.startedAt,
          status: latest.status,
          error: latest.error,
          problems: latest.problems,
        }
      : null,
  };
}
