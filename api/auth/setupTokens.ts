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

/**
 * A first-administrator link is void once an active administrator exists, whoever created them: it
 * can never mint a second all-schools administrator.
 */
const FIRST_ADMIN_STILL_NEEDED = `(purpose <> 'first-admin' OR NOT EXISTS
  (SELECT 1 FROM users WHERE role = 'admin' AND NOT disabled))`;

/** The unexpired, unused token's details, or null. */
export async function peekSetupToken(db: Db, token: string): Promise<SetupTokenInfo | null> {
  const { rows } = await db.query<{ purpose: SetupPurpose; user_id: string | null }>(
    `SELECT purpose, user_id::text AS user_id FROM setup_tokens
     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND ${FIRST_ADMIN_STILL_NEEDED}`,
    [hashToken(token)],
  );
  return rows[0] ? { purpose: rows[0].purpose, userId: rows[0].user_id } : null;
}

/** Marks the token used; false when it was already used or expired (a race between two tabs). */
export async function consumeSetupToken(db: Db, token: string): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE setup_tokens SET used_at = now()
      WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND ${FIRST_ADMIN_STILL_NEEDED} RETURNING 1`,
    [hashToken(token)],
  );
  return rows.length === 1;
}

/** When the first-administrator link already printed stops working, if one is still valid. */
export async function pendingFirstAdminLink(
  db: Db,
): Promise<{ createdAt: string; expiresAt: string } | null> {
  const { rows } = await db.query<{ created_at: string; expires_at: string }>(
    `SELECT created_at::text AS created_at, expires_at::text AS expires_at FROM setup_tokens
      WHERE purpose = 'first-admin' AND used_at IS NULL AND expires_at > now()
      ORDER BY created_at DESC LIMIT 1`,
  );
  return rows[0] ? { createdAt: rows[0].created_at, expiresAt: rows[0].expires_at } : null;
}

/** Every unused first-administrator link, deleted (an administrator exists). */
export async function revokeFirstAdminLinks(db: Db): Promise<number> {
  const { rows } = await db.query(
    `DELETE FROM setup_tokens WHERE purpose = 'first-admin' AND used_at IS NULL RETURNING 1`,
  );
  return rows.length;
}
