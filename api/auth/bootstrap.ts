// First run: an administrator from ADMIN_EMAIL / ADMIN_PASSWORD, or a one-time set-up link printed
// to the console (valid 72 hours). The link is single-use, void as soon as any administrator exists
// (and deleted at the next start), and never printed afresh while an earlier one is still valid:
// only its hash is kept, so a start says when the earlier one runs out instead (docs/security.md).
import type { AppConfig } from '../../config/env';
import type { Db } from '../../store/db';
import { writeAudit } from './audit';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords';
import { createSetupToken, pendingFirstAdminLink, revokeFirstAdminLinks } from './setupTokens';
import { createUser, getUserByEmail } from './users';

export interface BootstrapResult {
  created?: { email: string };
  setupUrl?: string;
  /** A link printed before is still valid until then: no new one is made. */
  pendingUntil?: string;
}

export async function ensureFirstAdmin(
  db: Db,
  config: Pick<AppConfig, 'ADMIN_EMAIL' | 'ADMIN_PASSWORD'>,
  publicUrl: string,
  log: (line: string) => void = console.log,
): Promise<BootstrapResult> {
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    const existing = await getUserByEmail(db, config.ADMIN_EMAIL);
    if (existing) {
      await revokeFirstAdminLinks(db);
      return {};
    }
    if (config.ADMIN_PASSWORD.length < MIN_PASSWORD_LENGTH) {
      throw new Error(`ADMIN_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    const user = await createUser(db, {
      email: config.ADMIN_EMAIL,
      displayName: 'Administrator',
      role: 'admin',
      allSchools: true,
      passwordHash: await hashPassword(config.ADMIN_PASSWORD),
    });
    await writeAudit(db, null, {
      action: 'user.create',
      targetType: 'user',
      targetId: user.id,
      details: { role: 'admin', source: 'ADMIN_EMAIL' },
    });
    await revokeFirstAdminLinks(db);
    log(`[api] created the administrator ${user.email} from ADMIN_EMAIL/ADMIN_PASSWORD`);
    return { created: { email: user.email } };
  }
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND NOT disabled`,
  );
  if ((rows[0]?.n ?? 0) > 0) {
    await revokeFirstAdminLinks(db);
    return {};
  }
  const pending = await pendingFirstAdminLink(db);
  if (pending) {
    log('');
    log(
      `  No administrator yet. The set-up link printed at ${pending.createdAt} is valid until ${pending.expiresAt};`,
    );
    log('  no new one is made while it is. To start again, set ADMIN_EMAIL and ADMIN_PASSWORD and restart.');
    log('');
    return { pendingUntil: pending.expiresAt };
  }
  const token = await createSetupToken(db, 'first-admin', null);
  const setupUrl = `${publicUrl}/setup?token=${token}`;
  log('');
  log('  No administrator yet. Open this one-time link to create one (valid 72 hours):');
  log(`    ${setupUrl}`);
  log('');
  return { setupUrl };
}
