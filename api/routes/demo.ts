// "Import the demo school" (administrators): Oakwood Academy with about 600 pupils and this term's
// marks, its policy, staff contacts and a demo officer and manager whose new passwords are shown once.
import { z } from 'zod';
import { DEMO_PUPILS, DEMO_SCHOOL_ID } from '../demo/demoSchool';
import { seedDemoSchool } from '../demo/seed';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { addUserSchool } from '../auth/users';
import type { AppContext, ZodApp } from '../context';
import { scheduleSweep } from './imports';
import { startSweep } from './schools';

export async function registerDemoRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  app.post(
    '/api/demo/import',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['demo'],
        summary: 'Import the demo school (and optionally run its sweep)',
        description:
          'Idempotent: importing again adds only new days of marks. The demo officer and manager get new passwords, returned once.',
        body: z
          .object({
            pupils: z.number().int().min(10).max(3000).default(DEMO_PUPILS),
            sweep: z.boolean().default(false),
          })
          .default({ pupils: DEMO_PUPILS, sweep: false }),
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const body = req.body ?? { pupils: DEMO_PUPILS, sweep: false };
      const result = await seedDemoSchool(ctx.db, { today: ctx.today(), pupils: body.pupils });
      if (!user.allSchools && !user.schoolIds.includes(DEMO_SCHOOL_ID)) {
        await addUserSchool(ctx.db, user.id, DEMO_SCHOOL_ID);
        ctx.sessions.forgetUser(user.id);
      }
      await writeAudit(ctx.db, user, {
        action: 'demo.import',
        targetType: 'school',
        targetId: DEMO_SCHOOL_ID,
        schoolId: DEMO_SCHOOL_ID,
        details: { pupils: body.pupils, marks: result.summary.marks?.rows ?? 0 },
      });
      if (result.summary.calendar?.status === 'inserted') scheduleSweep(ctx, DEMO_SCHOOL_ID);
      let sweep: { workflowId: string } | null = null;
      if (body.sweep) sweep = { workflowId: (await startSweep(ctx, DEMO_SCHOOL_ID)).workflowId };
      return reply.code(201).send({
        schoolId: result.schoolId,
        marksFrom: result.marksFrom,
        marksTo: result.marksTo,
        summary: result.summary,
        accounts: result.accounts,
        sweep,
      });
    },
  );
}
