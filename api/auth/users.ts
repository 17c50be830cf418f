// User accounts and their scope (the schools they may see).
import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db';
import type { Role } from '../../workflows/caseMessages';

export const ROLES = ['officer', 'manager', 'admin'] as const satisfies readonly Role[];
export type { Role };

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  /** Every school, present and future (the first administrator). */
  allSchools: boolean;
  schoolIds: string[];
  disabled: boolean;
  hasPassword: boolean;
  createdAt: string;
  /** A designated safeguarding lead: sees safeguarding flags whatever their role (api/auth/safeguarding.ts). */
  safeguardingLead: boolean;
}

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  all_schools: boolean;
  disabled: boolean;
  has_password: boolean;
  created_at: string;
  school_ids: string[] | null;
  safeguarding_lead: boolean;
}

const USER_SELECT = `SELECT u.id::text AS id, u.email, u.display_name, u.role, u.all_schools, u.disabled,
    (u.password_hash IS NOT NULL) AS has_password, u.created_at::text AS created_at, u.safeguarding_lead,
    ARRAY(SELECT s.school_id FROM user_schools s WHERE s.user_id = u.id ORDER BY s.school_id) AS school_ids
  FROM users u`;

function toUser(r: UserRow): User {
  return {
    id: r.id,
    email: r.email,
    displayName: r.display_name,
    role: r.role,
    allSchools: r.all_schools,
    schoolIds: r.school_ids ?? [],
    disabled: r.disabled,
    hasPassword: r.has_password,
    createdAt: r.created_at,
    safeguardingLead: r.safeguarding_lead,
  };
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function getUser(db: Db, id: string): Promise<User | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const { rows } = await db.query<UserRow>(`${USER_SELECT} WHERE u.id = $1::uuid`, [id]);
  return rows[0] ? toUser(rows[0]) : null;
}

/** The display names of these users (ids that are not users' are left out): who a task is for, who did it. */
/**
 * Actors that are not accounts: the demo school's replayed team (api/demo/history.ts) and a what-if
 * simulation. Named so a timeline never calls them "a former member of staff".
 */
export const NON_USER_ACTORS: Readonly<Record<string, string>> = {
  'demo-team': 'Oakwood’s attendance team (replayed demo term)',
  simulation: 'The simulation',
};

export async function displayNamesOf(db: Db, ids: Iterable<string>): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  const names = new Map(unique.filter((id) => NON_USER_ACTORS[id]).map((id) => [id, NON_USER_ACTORS[id]!]));
  const valid = unique.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (valid.length === 0) return names;
  const { rows } = await db.query<{ id: string; display_name: string }>(
    'SELECT id::text AS id, display_name FROM users WHERE id = ANY($1::uuid[])',
    [valid],
  );
  for (const r of rows) names.set(r.id, r.display_name);
  return names;
}

export async function getUserByEmail(
  db: Db,
  email: string,
): Promise<(User & { passwordHash: string | null }) | null> {
  const { rows } = await db.query<UserRow & { password_hash: string | null }>(
    `${USER_SELECT.replace('FROM users u', ', u.password_hash FROM users u')} WHERE u.email = $1`,
    [normaliseEmail(email)],
  );
  return rows[0] ? { ...toUser(rows[0]), passwordHash: rows[0].password_hash } : null;
}

export async function listUsers(db: Db): Promise<User[]> {
  const { rows } = await db.query<UserRow>(`${USER_SELECT} ORDER BY u.role, u.email`);
  return rows.map(toUser);
}

export async function countUsers(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
  return rows[0]?.n ?? 0;
}

export interface NewUser {
  email: string;
  displayName: string;
  role: Role;
  allSchools?: boolean;
  schoolIds?: string[];
  passwordHash?: string | null;
  safeguardingLead?: boolean;
}

export async function createUser(db: Db, u: NewUser): Promise<User> {
  const id = randomUUID();
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO users (id, email, display_name, role, all_schools, password_hash, safeguarding_lead)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        id,
        normaliseEmail(u.email),
        u.displayName.trim(),
        u.role,
        u.allSchools ?? false,
        u.passwordHash ?? null,
        u.safeguardingLead ?? false,
      ],
    );
    await setUserSchools(tx, id, u.schoolIds ?? []);
  });
  return (await getUser(db, id))!;
}

export async function setUserSchools(db: Db, userId: string, schoolIds: readonly string[]): Promise<void> {
  await db.query('DELETE FROM user_schools WHERE user_id = $1::uuid', [userId]);
  const unique = [...new Set(schoolIds.map((s) => s.trim()).filter(Boolean))];
  if (unique.length > 0) {
    await db.query(
      `INSERT INTO user_schools (user_id, school_id) SELECT $1::uuid, unnest($2::text[]) ON CONFLICT DO NOTHING`,
      [userId, unique],
    );
  }
}

export async function addUserSchool(db: Db, userId: string, schoolId: string): Promise<void> {
  await db.query(
    `INSERT INTO user_schools (user_id, school_id) VALUES ($1::uuid, $2) ON CONFLICT DO NOTHING`,
    [userId, schoolId],
  );
}

export interface UserChanges {
  displayName?: string;
  role?: Role;
  allSchools?: boolean;
  schoolIds?: string[];
  disabled?: boolean;
  passwordHash?: string;
  safeguardingLead?: boolean;
}

export async function updateUser(db: Db, id: string, c: UserChanges): Promise<User | null> {
  await db.transaction(async (tx) => {
    await tx.query(
      `UPDATE users SET display_name = COALESCE($2, display_name), role = COALESCE($3, role),
         all_schools = COALESCE($4, all_schools), disabled = COALESCE($5, disabled),
         password_hash = COALESCE($6, password_hash),
         safeguarding_lead = COALESCE($7, safeguarding_lead), updated_at = now()
       WHERE id = $1::uuid`,
      [
        id,
        c.displayName?.trim() ?? null,
        c.role ?? null,
        c.allSchools ?? null,
        c.disabled ?? null,
        c.passwordHash ?? null,
        c.safeguardingLead ?? null,
      ],
    );
    if (c.schoolIds) await setUserSchools(tx, id, c.schoolIds);
    // A disabled account, or one whose password changed, loses its sessions.
    if (c.disabled === true || c.passwordHash)
      await tx.query('DELETE FROM sessions WHERE user_id = $1::uuid', [id]);
  });
  return getUser(db, id);
}
