// The audit log (managers and administrators): who did what, when, to which case, user or school.
import { z } from 'zod';
import { listAudit, verifyAuditChain, type AuditChainReport } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { assertSchool, scopeIds } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { forbidden } from '../errors';
import { isoDate } from './schools';
import { readable } from '../services/auditSentences';

export async function registerAuditRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  app.get(
    '/api/audit',
    {
      config: { roles: ['manager', 'admin'] },
      schema: {
        tags: ['audit'],
        summary: 'Audit log entries, newest first',
        description:
          'Managers see the entries of their schools; administrators of every school also see sign-ins and account changes.',
        querystring: z.object({
          schoolId: z.string().min(1).max(64).optional(),
          userId: z.uuid().optional(),
          action: z.string().max(100).optional().describe('Prefix, e.g. "approval." or "auth.login"'),
          targetId: z.string().max(200).optional(),
          from: isoDate.optional(),
          to: isoDate.optional(),
          page: z.coerce.number().int().min(1).max(100_000).default(1),
          pageSize: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const q = req.query;
      if (q.schoolId) assertSchool(user, q.schoolId, 'No such school');
      const result = await listAudit(ctx.db, {
        schoolIds: scopeIds(user),
        ...(q.schoolId ? { schoolId: q.schoolId } : {}),
        ...(q.userId ? { userId: q.userId } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.targetId ? { targetId: q.targetId } : {}),
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        limit: q.pageSize,
        offset: (q.page - 1) * q.pageSize,
      });
      return {
        ...result,
        entries: await readable(ctx.db, result.entries),
        page: q.page,
        pageSize: q.pageSize,
      };
    },
  );

  app.get(
    '/api/audit/verify',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['audit'],
        summary: 'Check the audit log’s hash chain: no entry changed or removed',
        description:
          'For an administrator of every school (the chain runs through every school’s entries). The same check as `attendance audit verify`.',
      },
    },
    async (req): Promise<AuditChainReport> => {
      if (!currentUser(req).allSchools)
        throw forbidden(
          'The chain runs through every school’s entries: an administrator of every school checks it.',
        );
      return verifyAuditChain(ctx.db);
    },
  );
}
