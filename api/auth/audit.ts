// The audit log: every decision and change, with the user and the time. Details carry ids and
// choices only (no names, addresses or letter text): the log itself must not become a copy of the
// pupil data it protects. It is append-only and hash-chained (migration 0063): the database refuses
// an update or delete, and `verifyAuditChain` finds any entry changed or removed behind its back.
import type { Db } from '../../store/db';

export interface AuditActor {
  /** The account; null for the command line, which has none (its role is then "cli"). */
  id: string | null;
  role: string;
}

export interface AuditEntryInput {
  action: string;
  targetType?: string;
  targetId?: string;
  schoolId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  id: number;
  at: string;
  userId: string | null;
  userName: string | null;
  role: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  schoolId: string | null;
  details: Record<string, unknown>;
}

export async function writeAudit(db: Db, actor: AuditActor | null, e: AuditEntryInput): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (user_id, role, action, target_type, target_id, school_id, details)
     VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::text::jsonb)`,
    [
      actor?.id ?? null,
      actor?.role ?? null,
      e.action,
      e.targetType ?? null,
      e.targetId ?? null,
      e.schoolId ?? null,
      JSON.stringify(e.details ?? {}),
    ],
  );
}

export interface AuditQuery {
  /** null = every school (and entries with no school); otherwise only entries of these schools. */
  schoolIds: string[] | null;
  schoolId?: string;
  userId?: string;
  action?: string;
  targetId?: string;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

export async function listAudit(db: Db, q: AuditQuery): Promise<{ total: number; entries: AuditEntry[] }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (q.schoolIds) where.push(`a.school_id = ANY(${p(q.schoolIds)}::text[])`);
  if (q.schoolId) where.push(`a.school_id = ${p(q.schoolId)}`);
  if (q.userId) where.push(`a.user_id = ${p(q.userId)}::uuid`);
  if (q.action) where.push(`a.action LIKE ${p(q.action.replace(/[%_]/g, '') + '%')}`);
  if (q.targetId) where.push(`a.target_id = ${p(q.targetId)}`);
  if (q.from) where.push(`a.at >= ${p(q.from)}::date`);
  if (q.to) where.push(`a.at < (${p(q.to)}::date + 1)`);
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log a ${clause}`, params);
  const { rows } = await db.query<{
    id: string;
    at: string;
    user_id: string | null;
    user_name: string | null;
    role: string | null;
    action: string;
    target_type: string | null;
    target_id: string | null;
    school_id: string | null;
    details: Record<string, unknown>;
  }>(
    `SELECT a.id::text AS id, a.at::text AS at, a.user_id::text AS user_id, u.display_name AS user_name, a.role, a.action,
            a.target_type, a.target_id, a.school_id, a.details
     FROM audit_log a LEFT JOIN users u ON u.id = a.user_id ${clause}
     ORDER BY a.id DESC LIMIT ${p(q.limit)} OFFSET ${p(q.offset)}`,
    params,
  );
  return {
    total: total.rows[0]?.n ?? 0,
    entries: rows.map((r) => ({
      id: Number(r.id),
      at: r.at,
      userId: r.user_id,
      userName: r.user_name,
      role: r.role,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      schoolId: r.school_id,
      details: r.details ?? {},
    })),
  };
}

/** What the chain check found: every entry whose hash, or link to the one before, does not hold. */
export interface AuditChainReport {
  entries: number;
  intact: boolean;
  problems: { id: number; problem: string }[];
}

/**
 * Recomputes every entry's hash (audit_entry_hash, the function the insert trigger uses) and checks
 * each links to the one before: an edited entry fails its own hash; a deleted one breaks the link of
 * the entry after it. (The newest entries removed together leave no gap: compare the count and last
 * hash with a copy kept elsewhere, e.g. the nightly backup's.)
 */
export async function verifyAuditChain(db: Db): Promise<AuditChainReport> {
  const { rows } = await db.query<{ id: string; changed: boolean; unlinked: boolean; total: number }>(
    `WITH checked AS (
       SELECT id, hash, prev_hash,
              hash IS DISTINCT FROM audit_entry_hash(prev_hash, id, at, user_id, role, action,
                                                     target_type, target_id, school_id, details) AS changed,
              prev_hash IS DISTINCT FROM lag(hash) OVER (ORDER BY id) AS unlinked,
              count(*) OVER ()::int AS total
         FROM audit_log)
     SELECT id::text AS id, changed, unlinked, total FROM checked
      WHERE changed OR unlinked OR id = (SELECT max(id) FROM audit_log)
      ORDER BY id`,
  );
  const problems = rows.flatMap((r) => [
    ...(r.changed
      ? [{ id: Number(r.id), problem: 'changed since it was written (its hash does not match)' }]
      : []),
    ...(r.unlinked
      ? [
          {
            id: Number(r.id),
            problem: 'the entry before it was removed or changed (the link to it is broken)',
          },
        ]
      : []),
  ]);
  const entries = rows[0]?.total ?? 0;
  return { entries, intact: problems.length === 0, problems };
}
