// "Import the demo school" (administrators): Oakwood Academy with about 600 pupils and this term's
// marks, its policy, staff contacts and a demo officer and manager whose new passwords are shown once.
import { z } from 'zod';
import { DEMO_PUPILS, DEMO_SCHOOL_ID } from '../demo/demoSchool';
import { DEMO_ACCOUNTS, seedDemoSchool } from '../demo/seed';
import { readDemoPassword } from '../demo/passwords';
import { verifyPassword } from '../auth/passwords';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { addUserSchool, getUserByEmail } from '../auth/users';
import type { AppContext, ZodApp } from '../context';
import { scheduleSweep } from './imports';
import { startSweep } from './schools';

export async function registerDemoRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  app.get(
    '/api/auth/demo-accounts',
    {
      config: { public: true },
      schema: {
        tags: ['demo'],
        summary: 'The demo school’s accounts, for the login page, while the demo is on',
        description:
          'Signed out, like the login itself. Empty unless DEMO_SCHOOL is on and the demo school exists. The accounts open only the demo school, whose pupils are invented; a password changed since is not shown.',
      },
    },
    async () => ({ accounts: await shownDemoAccounts(ctx) }),
  );

  app.post(
    '/api/demo/import',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['demo'],
        summary: 'Import the demo school (and optionally run its sweep)',
        description:
          'Idempotent: importing again adds only new days of marks. The demo officer and manager keep their passwords (kept in the data folder and shown on the login page while DEMO_SCHOOL is on).',
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
      const result = await seedDemoSchool(ctx.db, {
        today: ctx.today(),
        pupils: body.pupils,
        dataDir: ctx.config.DATA_DIR,
      });
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

/** The demo accounts whose kept password still opens them (none when the demo is off or absent). */
async function shownDemoAccounts(ctx: AppContext) {
  if (!ctx.config.DEMO_SCHOOL) return [];
  const shown: { role: string; email: string; password: string }[] = [];
  for (const a of DEMO_ACCOUNTS) {
    const password = await readDemoPassword(ctx.config.DATA_DIR, a.role);
    const user = password ? await getUserByEmail(ctx.db, a.email) : null;
    const demoOnly = user && !user.allSchools && user.schoolIds.every((s) => s === DEMO_SCHOOL_ID);
    if (password && user && demoOnly && !user.disabled && (await verifyPassword(password, user.passwordHash)))
      shown.push({ role: a.role, email: a.email, password });
  }
  return shown;
}
