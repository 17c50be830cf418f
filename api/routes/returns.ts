// The returns and worklists the law asks for (docs/returns.md): lists from the register, read by the
// attendance team and managers, exported as CSV by managers (each export audited), and the office's
// records behind two of them: what came of each first-day call, and every enquiry made before a
// pupil may be removed from roll.
import { z } from 'zod';
import { getPupil } from '../../store/pupils';
import { getSchool } from '../../store/schools';
import {
  ENQUIRY_METHODS,
  FIRST_DAY_CALL_OUTCOMES,
  recordFirstDayCall,
  recordRollEnquiry,
  type EnquiryMethod,
  type FirstDayCall,
  type FirstDayCallOutcome,
  type RollEnquiry,
} from '../../store/returns';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { assertSchool, requireRole, scopeIds } from '../auth/scope';
import type { User } from '../auth/users';
import type { AppContext, ZodApp } from '../context';
import { isoDate } from './schools';
import { badRequest, notFound } from '../errors';
import { buildReturnList, RETURN_KINDS, returnCsv, type ReturnList } from '../services/returns';

const schoolId = z.string().trim().min(1, 'give the school id (URN)').max(64);

/** The school a request is about: the one named, or the user's only school. */
function schoolOf(user: User, requested: string | undefined): string {
  if (requested) {
    assertSchool(user, requested, 'No such school');
    return requested;
  }
  const ids = scopeIds(user);
  if (ids && ids.length === 1) return ids[0]!;
  throw badRequest('Say which school: add ?schoolId=<URN>.');
}

/** A pupil of a school in the user's scope (404 otherwise, as for an unknown pupil). */
async function pupilOf(ctx: AppContext, user: User, pupilId: string) {
  const pupil = await getPupil(ctx.db, pupilId);
  if (!pupil) throw notFound('No such pupil');
  assertSchool(user, pupil.schoolId, 'No such pupil');
  return pupil;
}

export async function registerReturnRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;

  app.get(
    '/api/returns/:kind',
    {
      config: { roles: ['officer', 'manager', 'admin'] },
      schema: {
        tags: ['returns'],
        summary: 'A return or worklist the law asks for, as a table (CSV for managers)',
        description:
          'unauthorised-10-days: the monthly return of 10 continuous school days of unauthorised absence (period from/to; default the month to today). sickness: illness reaching 15 days. removal-from-roll: 20 continuous school days of unauthorised absence, with the enquiries recorded. first-day-calls: today’s N marks with the call outcomes. termly-awards: 95% and above this term. format=csv downloads it (managers and administrators; audited).',
        params: z.object({ kind: z.enum(RETURN_KINDS) }),
        querystring: z.object({
          schoolId: schoolId.optional(),
          on: isoDate.optional().describe('The day the figures are for (default today)'),
          from: isoDate.optional(),
          to: isoDate.optional(),
          format: z.enum(['json', 'csv']).default('json'),
        }),
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const q = req.query;
      const school = schoolOf(user, q.schoolId);
      if ((q.from === undefined) !== (q.to === undefined))
        throw badRequest('Give both ends of the period (from and to), or neither.');
      if (q.from && q.to && q.from > q.to)
        throw badRequest('The period’s first day (from) is after its last (to).');
      if (q.format === 'csv') requireRole(user, ['manager', 'admin'], 'export a return');
      const list = await buildReturnList(
        db,
        req.params.kind,
        school,
        q.on ?? ctx.today(),
        q.from && q.to ? { from: q.from, to: q.to } : undefined,
      );
      if (!list) throw notFound('No such school');
      if (q.format === 'json') return list satisfies ReturnList;
      await writeAudit(db, user, {
        action: 'return.export',
        targetType: 'school',
        targetId: school,
        schoolId: school,
        details: { kind: list.kind, asOf: list.asOf, ...(list.period ?? {}), rows: list.rows.length },
      });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${school}-${list.kind}-${list.asOf}.csv"`)
        .send(returnCsv(list));
    },
  );

  app.post(
    '/api/returns/first-day-calls',
    {
      config: { roles: ['officer', 'manager'] },
      schema: {
        tags: ['returns'],
        summary: 'Record what came of a first-day call about an unexplained absence',
        body: z.object({
          pupilId: z.string().trim().min(1).max(64),
          absenceOn: isoDate.optional().describe('The day of the absence (default today)'),
          outcome: z.enum(
            Object.keys(FIRST_DAY_CALL_OUTCOMES) as [FirstDayCallOutcome, ...FirstDayCallOutcome[]],
            {
              error: `say what came of the call: one of ${Object.keys(FIRST_DAY_CALL_OUTCOMES).join(', ')}`,
            },
          ),
          note: z.string().trim().max(2000, 'a note of at most 2000 characters').optional(),
        }),
      },
    },
    async (req): Promise<FirstDayCall> => {
      const user = currentUser(req);
      const pupil = await pupilOf(ctx, user, req.body.pupilId);
      const absenceOn = req.body.absenceOn ?? ctx.today();
      if (absenceOn > ctx.today())
        throw badRequest('A call is about an absence that has happened: not a future day.');
      const call = await db.transaction(async (tx) => {
        const call = await recordFirstDayCall(tx, {
          schoolId: pupil.schoolId,
          pupilId: pupil.id,
          absenceOn,
          outcome: req.body.outcome,
          ...(req.body.note ? { note: req.body.note } : {}),
          by: user.id,
        });
        await writeAudit(tx, user, {
          action: 'return.first-day-call',
          targetType: 'pupil',
          targetId: pupil.id,
          schoolId: pupil.schoolId,
          details: { absenceOn, outcome: call.outcome },
        });
        return call;
      });
      return call;
    },
  );

  app.post(
    '/api/returns/removal-from-roll/enquiries',
    {
      config: { roles: ['officer', 'manager'] },
      schema: {
        tags: ['returns'],
        summary: 'Record an enquiry into the whereabouts of a pupil absent for 20 continuous school days',
        body: z.object({
          pupilId: z.string().trim().min(1).max(64),
          madeOn: isoDate.optional().describe('The day the enquiry was made (default today)'),
          method: z.enum(Object.keys(ENQUIRY_METHODS) as [EnquiryMethod, ...EnquiryMethod[]], {
            error: `say how the enquiry was made: one of ${Object.keys(ENQUIRY_METHODS).join(', ')}`,
          }),
          note: z
            .string({ error: 'say what the enquiry found' })
            .trim()
            .min(1, 'say what the enquiry found')
            .max(2000, 'a note of at most 2000 characters'),
        }),
      },
    },
    async (req): Promise<RollEnquiry> => {
      const user = currentUser(req);
      const pupil = await pupilOf(ctx, user, req.body.pupilId);
      if (!(await getSchool(db, pupil.schoolId))) throw notFound('No such pupil');
      const madeOn = req.body.madeOn ?? ctx.today();
      if (madeOn > ctx.today()) throw badRequest('An enquiry is recorded once it is made: not a future day.');
      const enquiry = await db.transaction(async (tx) => {
        const enquiry = await recordRollEnquiry(tx, {
          schoolId: pupil.schoolId,
          pupilId: pupil.id,
          madeOn,
          method: req.body.method,
          note: req.body.note,
          by: user.id,
        });
        await writeAudit(tx, user, {
          action: 'return.roll-enquiry',
          targetType: 'pupil',
          targetId: pupil.id,
          schoolId: pupil.schoolId,
          details: { madeOn, method: enquiry.method },
        });
        return enquiry;
      });
      return enquiry;
    },
  );
}
