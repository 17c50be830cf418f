// Sessions: a random 32-byte token in an HttpOnly cookie; the database keeps only its SHA-256, the
// user, the CSRF token and the expiry. A one-minute in-process cache keeps polling requests (import
// progress) off the database, which an import may hold in one long transaction on PGlite.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../store/db';
import { getUser, type User } from './users';

/** Idle sessions end after 4 hours, every session after 12 (one school day). */
export const IDLE_TIMEOUT_MS = 4 * 60 * 60 * 1000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60 * 1000;
const CACHE_MS = 60_000;
const TOUCH_EVERY_MS = 60_000;

export interface Session {
  tokenHash: string;
  csrfToken: string;
  user: User;
  expiresAt: number;
  lastSeenAt: number;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export class SessionStore {
  private readonly cache = new Map<string, { session: Session; cachedAt: number }>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async create(userId: string): Promise<{ token: string; session: Session }> {
    const token = randomToken();
    const tokenHash = hashToken(token);
    const csrfToken = randomToken();
    const now = this.now();
    await this.db.query(
      `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
       VALUES ($1, $2::uuid, $3, to_timestamp($4 / 1000.0), to_timestamp($4 / 1000.0), to_timestamp($5 / 1000.0))`,
      [tokenHash, userId, csrfToken, now, now + ABSOLUTE_TIMEOUT_MS],
    );
    // Housekeeping: expired sessions go when anyone signs in.
    await this.db.query(
      `DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - interval '1 day'`,
    );
    const user = await getUser(this.db, userId);
    if (!user) throw new Error('user vanished while signing in');
    const session: Session = {
      tokenHash,
      csrfToken,
      user,
      expiresAt: now + ABSOLUTE_TIMEOUT_MS,
      lastSeenAt: now,
    };
    this.cache.set(tokenHash, { session, cachedAt: now });
    return { token, session };
  }

  /** The live session for a cookie token, or null (unknown, expired, idle too long, user disabled). */
  async lookup(token: string): Promise<Session | null> {
    const tokenHash = hashToken(token);
    const now = this.now();
    const cached = this.cache.get(tokenHash);
    let session: Session | null = cached && now - cached.cachedAt < CACHE_MS ? cached.session : null;
    if (!session) {
      const { rows } = await this.db.query<{
        user_id: string;
        csrf_token: string;
        expires_ms: string;
        seen_ms: string;
      }>(
        `SELECT user_id::text AS user_id, csrf_token,
                (extract(epoch FROM expires_at) * 1000)::bigint::text AS expires_ms,
                (extract(epoch FROM last_seen_at) * 1000)::bigint::text AS seen_ms
         FROM sessions WHERE token_hash = $1`,
        [tokenHash],
      );
      const row = rows[0];
      if (!row) {
        this.cache.delete(tokenHash);
        return null;
      }
      const user = await getUser(this.db, row.user_id);
      if (!user) return null;
      session = {
        tokenHash,
        csrfToken: row.csrf_token,
        user,
        expiresAt: Number(row.expires_ms),
        lastSeenAt: Number(row.seen_ms),
      };
      this.cache.set(tokenHash, { session, cachedAt: now });
    }
    if (session.user.disabled || now >= session.expiresAt || now - session.lastSeenAt > IDLE_TIMEOUT_MS) {
      await this.destroy(token);
      return null;
    }
    if (now - session.lastSeenAt > TOUCH_EVERY_MS) {
      session.lastSeenAt = now;
      // Not awaited: a slow write must not hold up the request (PGlite may be busy with an import).
      this.db
        .query('UPDATE sessions SET last_seen_at = to_timestamp($2 / 1000.0) WHERE token_hash = $1', [
          tokenHash,
          now,
        ])
        .catch(() => undefined);
    }
    return session;
  }

  async destroy(token: string): Promise<void> {
    const tokenHash = hashToken(token);
    this.cache.delete(tokenHash);
    await this.db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
  }

  /** After a user's role, scope or status changes: cached copies must not outlive it. */
  forgetUser(userId: string): void {
    for (const [key, { session }] of this.cache) if (session.user.id === userId) this.cache.delete(key);
  }
}
