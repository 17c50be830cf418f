// Outbox rows sent through a delivery service (GOV.UK Notify): found by the service's id (its
// callbacks name it), listed for the scheduled status check, and their status kept as it changes.
// `provider_told` is the status the case was last told of, so it is told of each change once.
import type { OutboxRecord } from './caseServices';
import type { Db } from './db';

export interface ProviderRow {
  idempotencyKey: string;
  schoolId: string;
  caseId: string | null;
  channel: OutboxRecord['channel'];
  ref: string | null;
  provider: string;
  providerId: string;
  status: string | null;
  told: string | null;
  sentAt: string | null;
}

interface Row {
  idempotency_key: string;
  school_id: string;
  case_id: string | null;
  channel: OutboxRecord['channel'];
  ref: string | null;
  provider: string;
  provider_id: string;
  provider_status: string | null;
  provider_told: string | null;
  sent_at: string | null;
}

const COLUMNS = `idempotency_key, school_id, case_id, channel, ref, provider, provider_id, provider_status,
  provider_told, sent_at::text AS sent_at`;

function toRow(r: Row): ProviderRow {
  return {
    idempotencyKey: r.idempotency_key,
    schoolId: r.school_id,
    caseId: r.case_id,
    channel: r.channel,
    ref: r.ref,
    provider: r.provider,
    providerId: r.provider_id,
    status: r.provider_status,
    told: r.provider_told,
    sentAt: r.sent_at,
  };
}

export async function getByProviderId(
  db: Db,
  provider: string,
  providerId: string,
): Promise<ProviderRow | null> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM outbox WHERE provider = $1 AND provider_id = $2`,
    [provider, providerId],
  );
  return rows[0] ? toRow(rows[0]) : null;
}

/**
 * A school's rows whose fate is not yet known (or not yet told to the case), sent in the last
 * `days` days: Notify keeps a notification for 7 days by default, a letter's return can take weeks.
 */
export async function rowsToCheck(
  db: Db,
  schoolId: string,
  provider: string,
  finalStatuses: readonly string[],
  days = 7,
): Promise<ProviderRow[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM outbox
     WHERE school_id = $1 AND provider = $2 AND status = 'sent'
       AND (provider_status IS NULL OR NOT (provider_status = ANY($3::text[])) OR provider_told IS DISTINCT FROM provider_status)
       AND sent_at > now() - make_interval(days => $4)
     ORDER BY sent_at, idempotency_key`,
    [schoolId, provider, finalStatuses, days],
  );
  return rows.map(toRow);
}

export async function setProviderStatus(db: Db, key: string, status: string): Promise<void> {
  await db.query(
    `UPDATE outbox SET provider_status = $2, provider_status_at = now()
     WHERE idempotency_key = $1 AND provider_status IS DISTINCT FROM $2`,
    [key, status],
  );
}

export async function markProviderTold(db: Db, key: string, status: string): Promise<void> {
  await db.query(`UPDATE outbox SET provider_told = $2 WHERE idempotency_key = $1`, [key, status]);
}
