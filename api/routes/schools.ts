// Schools in the user's scope, and starting a school's sweep on demand (the daily Schedule runs it
// after the registers close; the button is for "I have just imported today's marks").
import { z } from 'zod';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { assertSchool, scopeIds } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { conflict, HttpError, notFound } from '../errors';
import { buildCalendar, isIsoDate } from '../../domain/calendar';
import { countActiveCasesBySchool } from '../../store/cases';
import { getSchool } from '../../store/schools';
import { getReplayProgress } from '../../store/demoReplay';
import { getSweepProgress } from '../../store/sweepProgress';

/**
 * A date in a request: written YYYY-MM-DD and one that exists on the calendar. 2025-02-30 has the
 * right shape but is no day: it is refused with a clear 400, never a 500 from the database later.
 */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date written YYYY-MM-DD', abort: true })
  .refine(isIsoDate, 'a date that exists on the calendar');
export const schoolParams = z.object({ schoolId: z.string().trim().min(1).max(64) });

export interface SweepOutcome {
  evaluated: number;
  opened: number;
  updated: number;
  [k: string]: unknown;
}

export async function startSweep(ctx: AppContext, schoolId: string, asOf?: string) {
  // The demo school's term is being replayed: a live sweep now would open live cases beside the
  // replayed ones (docs/demo.md). Today's sweep runs by itself when the replay is over.
  if ((await getReplayProgress(ctx.db, schoolId, ctx.now()))?.running)
    throw conflict(
      'The demo school’s term is still being replayed; its sweep runs by itself when that is done.',
    );
  const workflowId = `sweep-${schoolId}-${Date.now()}`;
  const handle = await ctx.temporal.workflow.start('schoolSweep', {
    taskQueue: ctx.taskQueue,
    workflowId,
    args: [{ schoolId, ...(asOf ? { asOf } : {}), timeZone: ctx.config.SCHOOL_TIMEZONE }],
  });
  return { workflowId, handle };
}

export async function registerSchoolRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;

  app.get(
    '/api/schools',
    { schema: { tags: ['schools'], summary: 'The schools in your scope' } },
    async (req) => {
      const user = currentUser(req);
      const ids = scopeIds(user);
      const { rows } = await db.query<{
        id: string;
        name: string;
        policy_id: string | null;
        policy_version: string | null;
        pupils: number;
      }>(
        `SELECT s.id, s.name, s.policy_id, s.policy_version,
              (SELECT count(*)::int FROM pupils p WHERE p.school_id = s.id) AS pupils
       FROM schools s WHERE ($1::text[] IS NULL OR s.id = ANY($1::text[])) ORDER BY s.name`,
        [ids],
      );
      const cases = await countActiveCasesBySchool(db, ids);
      return {
        schools: rows.map((r) => ({
          id: r.id,
          name: r.name,
          policy: r.policy_id ? { id: r.policy_id, version: r.policy_version } : null,
          pupils: r.pupils,
          openCases: cases.get(r.id)?.openCases ?? 0,
          pendingApprovals: cases.get(r.id)?.pendingApprovals ?? 0,
        })),
      };
    },
  );

  app.get(
    '/api/schools/:schoolId',
    { schema: { tags: ['schools'], summary: 'A school: calendar summary and policy', params: schoolParams } },
    async (req) => {
      const user = currentUser(req);
      assertSchool(user, req.params.schoolId, 'No such school');
      const school = await getSchool(db, req.params.schoolId);
      if (!school) throw notFound('No such school');
      const calendar = buildCalendar(school.calendar);
      const today = ctx.today();
      return {
        id: school.id,
        name: school.name,
        lessonsPerDay: school.lessonsPerDay,
        policy: school.policyId ? { id: school.policyId, version: school.policyVersion } : null,
        calendar: {
          terms: school.calendar.terms,
          closures: school.calendar.closures,
          firstSchoolDay: calendar.firstSchoolDay,
          lastSchoolDay: calendar.lastSchoolDay,
          today,
          isSchoolDay: calendar.isSchoolDay(today),
        },
      };
    },
  );

  app.get(
    '/api/schools/:schoolId/sweep/progress',
    {
      schema: {
        tags: ['schools'],
        summary: 'How far the school’s latest sweep has got (for the banner while one runs)',
        description:
          '`progress`: the latest sweep. `replay`: for the demo school, how far the replay of its term has got (null otherwise).',
        params: schoolParams,
      },
    },
    async (req) => {
      const user = currentUser(req);
      assertSchool(user, req.params.schoolId, 'No such school');
      return {
        progress: await getSweepProgress(db, req.params.schoolId, ctx.now()),
        // The demo school's replayed term, while it runs (null for every other school).
        replay: await getReplayProgress(db, req.params.schoolId, ctx.now()),
      };
    },
  );

  app.post(
    '/api/schools/:schoolId/sweep',
    {
      schema: {
        tags: ['schools'],
        summary: 'Run the school’s sweep now',
        description:
          'Starts the schoolSweep workflow: every pupil is evaluated against the policy, cases open for pupils who meet an entry trigger, and open cases get fresh figures. With ?wait=true the answer waits for the result.',
        params: schoolParams,
        querystring: z.object({
          wait: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true'),
          asOf: isoDate.optional(),
        }),
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const { schoolId } = req.params;
      assertSchool(user, schoolId, 'No such school');
      if (!(await getSchool(db, schoolId))) throw notFound('No such school: import its calendar first');
      const { workflowId, handle } = await startSweep(ctx, schoolId, req.query.asOf);
      await writeAudit(db, user, {
        action: 'sweep.start',
        targetType: 'school',
        targetId: schoolId,
        schoolId,
        details: { workflowId, asOf: req.query.asOf },
      });
      if (!req.query.wait) return reply.code(202).send({ workflowId, status: 'running' });
      try {
        const result = (await Promise.race([
          handle.result(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 5 * 60_000).unref()),
        ])) as SweepOutcome;
        return reply.code(200).send({ workflowId, status: 'completed', result });
      } catch (err) {
        if ((err as Error).message === 'timeout')
          return reply.code(202).send({ workflowId, status: 'running' });
        throw new HttpError(502, `The sweep did not complete: ${(err as Error).message}`);
      }
    },
  );
}
