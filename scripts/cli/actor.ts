// Who acts from the command line: no account, so the audit log records the role "cli" and the
// operating-system user who ran the command (docs/security.md), making a shell as traceable as the app.
import { userInfo } from 'node:os';
import type { AuditActor } from '../../api/auth/audit';

export function cliActor(): AuditActor {
  return { id: null, role: 'cli' };
}

export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
