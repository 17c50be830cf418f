// A school's connections to its MIS and to GOV.UK Notify (migration 0080), and the record of every
// sync from the MIS. The secret of a connection is stored sealed (integrations/secretBox.ts); this
// module never sees it in clear.
import { randomUUID } from 'node:crypto';
import type { Db } from './db';

export type IntegrationKind = 'mis' | 'notify';

export interface StoredIntegration<S> {
  schoolId: string;
  kind: IntegrationKind;
  settings: S;
  /** The sealed secret (null: none stored). */
  secretSealed: string | null;
  /** The secret's last four characters, to show which one is set. */
  secretHint: string | null;
  updatedAt: string;
  updatedBy: string | null;
}

export async function getIntegration<S>(
  db: Db,
  schoolId: string,
  kind: IntegrationKind,
): Promise<StoredIntegration<S> | null> {
  const { rows } = await db.query<{
    settings: S;
    secret_sealed: string | null;
    secret_hint: string | null;
    updated_at: string;
    updated_by: string | null;
  }>(
    `SELECT settings, secret_sealed, secret_hint, updated_at::text AS updated_at, updated_by::text AS updated_by
     FROM school_integrations WHERE school_id = $1 AND kind = $2`,
    [schoolId, kind],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    schoolId,
    kind,
    settings: r.settings,
    secretSealed: r.secret_sealed,
    secretHint: r.secret_hint,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}

/** Saves a connection; `secret` undefined keeps the stored one (the form left it blank). */
export async function putIntegration<S>(
  db: Db,
  schoolId: string,
  kind: IntegrationKind,
  settings: S,
  secret: { sealed: string; hint: string } | undefined,
  userId: string | null,
): Promise<void> {
  await db.query(
    `INSERT INTO school_integrations (school_id, kind, settings, secret_sealed, secret_hint, updated_by)
     VALUES ($1, $2, $3::text::jsonb, $4, $5, $6)
     ON CONFLICT (school_id, kind) DO UPDATE
       SET settings = excluded.settings,
           secret_sealed = COALESCE($4, school_integrations.secret_sealed),
           secret_hint = COALESCE($5, school_integrations.secret_hint),
           updated_at = now(), updated_by = excluded.updated_by`,
    [schoolId, kind, JSON.stringify(settings), secret?.sealed ?? null, secret?.hint ?? null, userId],
  );
}

export async function deleteIntegration(db: Db, schoolId: string, kind: IntegrationKind): Promise<boolean> {
  const { rows } = await db.query(
    `DELETE FROM school_integrations WHERE school_id = $1 AND kind = $2 RETURNING school_id`,
    [schoolId, kind],
  );
  return rows.length > 0;
}

/** The schools with a stored connection of this kind. */
export async function schoolsWithIntegration(db: Db, kind: IntegrationKind): Promise<string[]> {
  const { rows } = await db.query<{ school_id: string }>(
    `SELECT school_id FROM school_integrations WHERE kind = $1 ORDER BY school_id`,
    [kind],
  );
  return rows.map((r) => r.school_id);
}

// ---------------------------------------------------------------------------------------------
// Syncs from the MIS

export interface SyncCounts {
  students?: number;
  sessions?: number;
  deletions?: number;
  pupilsInserted?: number;
  pupilsUpdated?: number;
  marksInserted?: number;
  marksChanged?: number;
  /** Contact changes waiting for a second person's approval (docs/contact-changes.md). */
  contactChangesHeld?: number;
  /** Requests the MIS answered "too many requests" or a server error to, and that were tried again. */
  retries?: number;
  /** The whole roster was read (the day's first sync), not only the students changed. */
  rosterFull?: boolean;
}

export interface SyncProblem {
  kind: 'unknownCode' | 'badRow' | 'leaver';
  /** Said for a person: what is wrong and what to do. */
  message: string;
  /** The MIS's code, for an unknown code. */
  code?: string;
  count?: number;
}

export interface MisSyncRecord {
  id: string;
  schoolId: string;
  trigger: 'schedule' | 'manual';
  status: 'running' | 'succeeded' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  changedSince: string | null;
  highWater: string | null;
  counts: SyncCounts;
  error: string | null;
  problems: SyncProblem[];
}

interface SyncRow {
  id: string;
  school_id: string;
  trigger: MisSyncRecord['trigger'];
  status: MisSyncRecord['status'];
  started_at: Date | string;
  finished_at: Date | string | null;
  changed_since: Date | string | null;
  high_water: Date | string | null;
  counts: SyncCounts;
  error: string | null;
  problems: SyncProblem[];
}

const SYNC_COLUMNS = `id::text AS id, school_id, trigger, status, started_at, finished_at, changed_since,
  high_water, counts, error, problems`;

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

function toSync(r: SyncRow): MisSyncRecord {
  return {
    id: r.id,
    schoolId: r.school_id,
    trigger: r.trigger,
    status: r.status,
    startedAt: iso(r.started_at)!,
    finishedAt: iso(r.finished_at),
    changedSince: iso(r.changed_since),
    highWater: iso(r.high_water),
    counts: r.counts ?? {},
    error: r.error,
    problems: r.problems ?? [],
  };
}

export async function startSync(
  db: Db,
  s: { schoolId: string; trigger: MisSyncRecord['trigger']; startedAt: Date; changedSince: Date | null },
): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO mis_syncs (id, school_id, trigger, status, started_at, changed_since)
     VALUES ($1, $2, $3, 'running', $4, $5)`,
    [id, s.schoolId, s.trigger, s.startedAt.toISOString(), s.changedSince?.toISOString() ?? null],
  );
  return id;
}

export async function finishSync(
  db: Db,
  id: string,
  outcome:
    | { status: 'succeeded'; highWater: Date; counts: SyncCounts; problems: SyncProblem[] }
    | { status: 'failed'; error: string; counts: SyncCounts; problems: SyncProblem[] },
): Promise<void> {
  await db.query(
    `UPDATE mis_syncs SET status = $2, finished_at = now(), high_water = $3, counts = $4::text::jsonb,
            error = $5, problems = $6::text::jsonb
     WHERE id = $1`,
    [
      id,
      outcome.status,
      outcome.status === 'succeeded' ? outcome.highWater.toISOString() : null,
      JSON.stringify(outcome.counts),
      outcome.status === 'failed' ? outcome.error.slice(0, 2000) : null,
      JSON.stringify(outcome.problems.slice(0, 100)),
    ],
  );
}

export async function listSyncs(db: Db, schoolId: string, limit = 20): Promise<MisSyncRecord[]> {
  const { rows } = await db.query<SyncRow>(
    `SELECT ${SYNC_COLUMNS} FROM mis_syncs WHERE school_id = $1 ORDER BY started_at DESC, id LIMIT $2`,
    [schoolId, limit],
  );
  return rows.map(toSync);
}

/** The school's latest successful sync: the next one asks for what changed after its high water. */
export async function lastSucceededSync(db: Db, schoolId: string): Promise<MisSyncRecord | null> {
  const { rows } = await db.query<SyncRow>(
    `SELECT ${SYNC_COLUMNS} FROM mis_syncs WHERE school_id = $1 AND status = 'succeeded'
     ORDER BY started_at DESC, id LIMIT 1`,
    [schoolId],
  );
  return rows[0] ? toSync(rows[0]) : null;
}

/** When the last good sync that read the whole roster began (null: never). */
export async function lastFullRosterAt(db: Db, schoolId: string): Promise<string | null> {
  const { rows } = await db.query<{ at: Date | string | null }>(
    `SELECT max(started_at) AS at FROM mis_syncs
     WHERE school_id = $1 AND status = 'succeeded' AND (counts->>'rosterFull')::boolean IS TRUE`,
    [schoolId],
  );
  return rows[0]?.at ? new Date(rows[0].at).toISOString() : null;
}

/** Whether a sync that began after `startedAt` has already succeeded (its registers are newer). */
export async function laterSyncSucceeded(db: Db, schoolId: string, startedAt: Date): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM mis_syncs WHERE school_id = $1 AND status = 'succeeded' AND started_at > $2 LIMIT 1`,
    [schoolId, startedAt.toISOString()],
  );
  return rows.length > 0;
}

/** Per school: the latest sync of any outcome and the latest successful one (the dashboard's data age). */
export async function syncHealth(
  db: Db,
  schoolIds: readonly string[],
): Promise<Map<string, { latest: MisSyncRecord | null; lastSucceeded: MisSyncRecord | null }>> {
  const out = new Map<string, { latest: MisSyncRecord | null; lastSucceeded: MisSyncRecord | null }>();
  if (schoolIds.length === 0) return out;
  const { rows } = await db.query<SyncRow & { rank_kind: 'latest' | 'ok' }>(
    `(SELECT DISTINCT ON (school_id) ${SYNC_COLUMNS}, 'latest' AS rank_kind FROM mis_syncs
      WHERE school_id = ANY($1::text[]) ORDER BY school_id, started_at DESC)
     UNION ALL
     (SELECT DISTINCT ON (school_id) ${SYNC_COLUMNS}, 'ok' AS rank_kind FROM mis_syncs
      WHERE school_id = ANY($1::text[]) AND status = 'succeeded' ORDER BY school_id, started_at DESC)`,
    [schoolIds],
  );
  for (const r of rows) {
    const entry = out.get(r.school_id) ?? { latest: null, lastSucceeded: null };
    if (r.rank_kind === 'latest') entry.latest = toSync(r);
    else entry.lastSucceeded = toSync(r);
    out.set(r.school_id, entry);
  }
  return out;
}

/** A sync left 'running' by a process that died: marked failed so the next one is not blocked. */
export async function abandonStaleSyncs(db: Db, schoolId: string, olderThanMinutes = 60): Promise<void> {
  await db.query(
    `UPDATE mis_syncs SET status = 'failed', finished_at = now(),
            error = 'the sync stopped before it finished (the process running it ended); nothing was applied'
     WHERE school_id = $1 AND status = 'running' AND started_at < now() - make_interval(mins => $2)`,
    [schoolId, olderThanMinutes],
  );
}
