// Which roles see a school's safeguarding flags (api/auth/safeguarding.ts). Designated safeguarding
// leads always do (a tick on their account, api/routes/users.ts); the rest is the school's choice,
// made by its administrators and recorded in the audit log.
import { z } from 'zod';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { safeguardingRolesOf, setSafeguardingRoles } from '../auth/safeguarding';
import { assertSchool } from '../auth/scope';
import { ROLES } from '../auth/users';
import type { AppContext, ZodApp } from '../context';
import { notFound } from '../errors';
import { schoolParams } from './schools';

export async function registerSafeguardingRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;

  app.get(
    '/api/schools/:schoolId/safeguarding',
    {
      schema: {
        tags: ['schools'],
        summary: 'Who sees the school’s safeguarding flags (child protection, child in need, looked after)',
        params: schoolParams,
      },
    },
    async (req) => {
      const user = currentUser(req);
      assertSchool(user, req.params.schoolId, 'No such school');
      const roles = await safeguardingRolesOf(db, req.params.schoolId);
      if (!roles) throw notFound('No such school');
      return { roles, leadsAlwaysSee: true };
    },
  );

  app.put(
    '/api/schools/:schoolId/safeguarding',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['schools'],
        summary: 'Choose the roles that see the school’s safeguarding flags',
        description:
          'Designated safeguarding leads see them whatever this says. An empty list leaves them to the leads alone.',
        params: schoolParams,
        body: z.object({ roles: z.array(z.enum(ROLES)).max(3) }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const { schoolId } = req.params;
      assertSchool(user, schoolId, 'No such school');
      if (!(await safeguardingRolesOf(db, schoolId))) throw notFound('No such school');
      const roles = [...new Set(req.body.roles)].sort();
      await db.transaction(async (tx) => {
        await setSafeguardingRoles(tx, schoolId, roles);
        await writeAudit(tx, user, {
          action: 'school.safeguarding_roles',
          targetType: 'school',
          targetId: schoolId,
          schoolId,
          details: { roles },
        });
      });
      return { roles, leadsAlwaysSee: true };
    },
  );
}
