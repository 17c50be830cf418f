// Login throttling: 5 failed attempts per account and IP address in 15 minutes, and 20 per account
// from anywhere (a slow distributed guess), then 429 until the oldest failure ages out. Unknown
// emails are throttled the same way, so the answer never tells which accounts exist.
import type { Db } from '../../store/db';
import { normaliseEmail } from './users';

export const WINDOW_MINUTES = 15;
export const MAX_PER_ACCOUNT_AND_IP = 5;
export const MAX_PER_ACCOUNT = 20;

export interface ThrottleState {
  blocked: boolean;
  retryAfterSeconds: number;
}

export async function checkThrottle(db: Db, email: string, ip: string): Promise<ThrottleState> {
  const { rows } = await db.query<{
    pair: number;
    account: number;
    pair_oldest: number | null;
    account_oldest: number | null;
  }>(
    `SELECT count(*) FILTER (WHERE ip = $2)::int AS pair,
            count(*)::int AS account,
            extract(epoch FROM (min(at) FILTER (WHERE ip = $2) + make_interval(mins => $3) - now()))::int AS pair_oldest,
            extract(epoch FROM (min(at) + make_interval(mins => $3) - now()))::int AS account_oldest
     FROM login_failures WHERE email = $1 AND at > now() - make_interval(mins => $3)`,
    [normaliseEmail(email), ip, WINDOW_MINUTES],
  );
  const r = rows[0];
  if (!r) return { blocked: false, retryAfterSeconds: 0 };
  if (r.pair >= MAX_PER_ACCOUNT_AND_IP)
    return { blocked: true, retryAfterSeconds: Math.max(1, r.pair_oldest ?? 60) };
  if (r.account >= MAX_PER_ACCOUNT)
    return { blocked: true, retryAfterSeconds: Math.max(1, r.account_oldest ?? 60) };
  return { blocked: false, retryAfterSeconds: 0 };
}

export async function recordFailure(db: Db, email: string, ip: string): Promise<void> {
  await db.query('INSERT INTO login_failures (email, ip) VALUES ($1, $2)', [normaliseEmail(email), ip]);
  await db.query(`DELETE FROM login_failures WHERE at < now() - interval '1 day'`);
}

export async function clearFailures(db: Db, email: string, ip: string): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE email = $1 AND ip = $2', [normaliseEmail(email), ip]);
}
