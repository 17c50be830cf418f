// Login throttling that holds under attack (docs/security.md, "Logins"). Every attempt is recorded
// *before* the password hash is computed, and judged only against the attempts recorded before it,
// so a burst of concurrent guesses cannot all slip through between a check and a record. Limits:
// - per account and address: 5 failures in 15 minutes, then 429 until the oldest ages out (this
//   only stops the guessing address: the account's owner elsewhere still signs in);
// - per address, any account: 30 failures in 15 minutes (one address spraying many accounts);
// - per account, from anywhere: after 10 failures in 15 minutes, a backoff that doubles with each
//   further failure, never more than 60 seconds. A slow distributed guess is slowed to a crawl, but
//   nobody can lock a named user out for more than a minute at a time (no hard lock);
// - overall: more than 300 failures in a minute across every account slows every sign-in by a few
//   seconds (a credential-stuffing brake).
// Unknown emails are throttled the same way, so the answer never tells which accounts exist. The
// address is the connection's own unless the request came through a configured trusted proxy.
import type { Db } from '../../store/db';
import { normaliseEmail } from './users';

export const WINDOW_MINUTES = 15;
export const MAX_PER_ACCOUNT_AND_IP = 5;
export const MAX_PER_IP = 30;
export const ACCOUNT_BACKOFF_AFTER = 10;
export const MAX_BACKOFF_SECONDS = 60;
export const MAX_OVERALL_PER_MINUTE = 300;
const OVERALL_WAIT_SECONDS = 5;

export type Attempt = { blocked: false; attemptId: string } | { blocked: true; retryAfterSeconds: number };

/**
 * Records a sign-in attempt as a failure until it succeeds, and says whether it may go ahead. A
 * refused attempt is not kept (being refused is not another failure).
 */
export async function beginAttempt(db: Db, email: string, ip: string): Promise<Attempt> {
  const who = normaliseEmail(email);
  const { rows: made } = await db.query<{ id: string }>(
    'INSERT INTO login_failures (email, ip) VALUES ($1, $2) RETURNING id::text AS id',
    [who, ip],
  );
  const id = made[0]!.id;
  const { rows } = await db.query<{
    pair: number;
    per_ip: number;
    account: number;
    overall: number;
    pair_ends: number | null;
    ip_ends: number | null;
    since_last: number | null;
  }>(
    `SELECT count(*) FILTER (WHERE email = $1 AND ip = $2)::int AS pair,
            count(*) FILTER (WHERE ip = $2)::int AS per_ip,
            count(*) FILTER (WHERE email = $1)::int AS account,
            count(*) FILTER (WHERE at > now() - interval '1 minute')::int AS overall,
            ceil(extract(epoch FROM (min(at) FILTER (WHERE email = $1 AND ip = $2)
              + make_interval(mins => $4) - now())))::int AS pair_ends,
            ceil(extract(epoch FROM (min(at) FILTER (WHERE ip = $2) + make_interval(mins => $4) - now())))::int AS ip_ends,
            extract(epoch FROM (now() - max(at) FILTER (WHERE email = $1)))::float8 AS since_last
       FROM login_failures
      WHERE id < $3::bigint AND at > now() - make_interval(mins => $4)`,
    [who, ip, id, WINDOW_MINUTES],
  );
  const r = rows[0]!;
  const refuse = async (seconds: number): Promise<Attempt> => {
    await db.query('DELETE FROM login_failures WHERE id = $1::bigint', [id]);
    return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
  };
  if (r.pair >= MAX_PER_ACCOUNT_AND_IP) return refuse(r.pair_ends ?? 60);
  if (r.per_ip >= MAX_PER_IP) return refuse(r.ip_ends ?? 60);
  if (r.account >= ACCOUNT_BACKOFF_AFTER) {
    const wait = Math.min(2 ** (r.account - ACCOUNT_BACKOFF_AFTER), MAX_BACKOFF_SECONDS);
    const since = r.since_last ?? wait;
    if (since < wait) return refuse(wait - since);
  }
  if (r.overall >= MAX_OVERALL_PER_MINUTE) return refuse(OVERALL_WAIT_SECONDS);
  return { blocked: false, attemptId: id };
}

/** The attempt succeeded: it was no failure, and this address's earlier failures are forgiven. */
export async function attemptSucceeded(db: Db, email: string, ip: string, attemptId: string): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE id = $1::bigint OR (email = $2 AND ip = $3)', [
    attemptId,
    normaliseEmail(email),
    ip,
  ]);
}

/** The attempt failed: it stays counted; failures older than a day are let go. */
export async function attemptFailed(db: Db): Promise<void> {
  await db.query(`DELETE FROM login_failures WHERE at < now() - interval '1 day'`);
}
