// One-time links: the first administrator's set-up link (printed to the console on first run) and
// the set-password links an administrator hands a new user. Only the token's hash is stored.
import type { Db } from '../../store/db';
import { hashToken, randomToken } from './sessions';

export type SetupPurpose = 'first-admin' | 'set-password';

export async function createSetupToken(
  db: Db,
  purpose: SetupPurpose,
  userId: string | null,
  validHours = 72,
): Promise<string> {
  const token = randomToken();
  if (userId)
    await db.query('DELETE FROM setup_tokens WHERE user_id = $1::uuid AND used_at IS NULL', [userId]);
  await db.query(
    `INSERT INTO setup_tokens (token_hash, user_id, purpose, expires_at)
     VALUES ($1, $2::uuid, $3, now() + make_interval(hours => $4))`,
    [hashToken(token), userId, purpose, validHours],
  );
  return token;
}

export interface SetupTokenInfo {
  purpose: SetupPurpose;
  userId: string | null;
}

/** The unexpired, unused token's details, or null. */
export async function peekSetupToken(db: Db, token: string): Promise<SetupTokenInfo | null> {
  const { rows } = await db.query<{ purpose: SetupPurpose; user_id: string | null }>(
    `SELECT purpose, user_id::text AS user_id FROM setup_tokens
     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`,
    [hashToken(token)],
  );
  return rows[0] ? { purpose: rows[0].purpose, userId: rows[0].user_id } : null;
}

/** Marks the token used; false when it was already used or expired (a race between two tabs). */
export async function consumeSetupToken(db: Db, token: string): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE setup_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING 1`,
    [hashToken(token)],
  );
  return rows.length === 1;
}
