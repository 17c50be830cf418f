// Penalty notices, per parent, per child (docs/penalty-notices.md). A manager requests a notice from
// the local authority for each parent with parental responsibility separately, and records what came
// of it (issued, paid at £80 or £160, unpaid, withdrawn) with its day. The national framework's
// 3-year rules are enforced per parent for this child: a second notice within 3 years of the first is
// £160 with no reduction, and a third is refused with the reason and the next legal option. Nothing is
// automatic, and every decision is in the audit log.
import { z } from 'zod';
import {
  outcomeProblem,
  PENALTY_NOTICE_OUTCOMES,
  type PenaltyNoticeOutcome,
} from '../../domain/penaltyNotices';
import {
  getPenaltyNotice,
  setPenaltyNoticeOutcome,
  type PenaltyNoticeRecord,
} from '../../store/penaltyNotices';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { assertSchool } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { isoDate } from './schools';
import { badRequest, conflict, notFound } from '../errors';
import { loadCaseRow } from '../services/cases';
import {
  chosenParents,
  decideConsideration,
  parentsOf,
  storeRequests,
  type ConsiderationResult,
  type ParentNotices,
} from '../services/penaltyNotices';

export type { ConsiderationResult, ParentNotices };

/** GET /api/cases/:caseId/penalty-notices. */
export interface PenaltyNoticesAnswer {
  caseId: string;
  today: string;
  parents: ParentNotices[];
  /** Notices for this child to someone no longer among the pupil's contacts. */
  formerParents: PenaltyNoticeRecord[];
}

export async function registerPenaltyNoticeRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;
  const caseParams = z.object({ caseId: z.string().min(1).max(200) });
  const requestBody = z.object({
    contactIndexes: z
      .array(z.number().int().min(0).max(9), {
        error: 'name the parents: their contact numbers, from 0',
      })
      .min(1, 'name at least one parent')
      .max(10),
    requestedOn: isoDate.optional().describe('The day it was requested (default today)'),
  });

  app.post(
    '/api/cases/:caseId/tasks/:taskId/penalty-notices',
    {
      config: { roles: ['manager'] },
      schema: {
        tags: ['cases'],
        summary: 'Decide a penalty-notice consideration: request a notice for each parent named',
        description:
          'The outcome of the case’s consideration task, with the per-parent records. Each parent the 3-year rules allow gets a notice (a first at £80/£160, a second at a flat £160); a parent refused (a third within 3 years of the first) gets none, with the reason, and the case proposes the next legal option to a manager. The case records the outcome ("requested", or "refused" when no parent named may have one) with a note naming each parent.',
        params: z.object({ caseId: z.string().min(1).max(200), taskId: z.string().min(1).max(200) }),
        body: requestBody,
      },
    },
    async (req): Promise<ConsiderationResult> => {
      const user = currentUser(req);
      const row = await loadCaseRow(db, user, req.params.caseId);
      const requestedOn = req.body.requestedOn ?? ctx.today();
      if (requestedOn > ctx.today())
        throw badRequest('A request is recorded once it is made: not a future day.');
      const result = await decideConsideration(ctx, user, row, req.params.taskId, {
        contactIndexes: req.body.contactIndexes,
        requestedOn,
      });
      for (const n of result.notices)
        await writeAudit(db, user, {
          action: 'penaltyNotice.request',
          targetType: 'penaltyNotice',
          targetId: n.id,
          schoolId: row.schoolId,
          details: { caseId: row.caseId, taskId: req.params.taskId, ordinal: n.ordinal, requestedOn },
        });
      await writeAudit(db, user, {
        action: `case.task.${result.outcome}`,
        targetType: 'case',
        targetId: row.caseId,
        schoolId: row.schoolId,
        details: {
          taskId: req.params.taskId,
          kind: 'penaltyNoticeConsideration',
          on: requestedOn,
          requested: result.notices.length,
          refused: result.refused.length,
          nextLegalOption: result.nextLegalOption,
        },
      });
      return result;
    },
  );

  app.get(
    '/api/cases/:caseId/penalty-notices',
    {
      schema: {
        tags: ['cases'],
        summary: 'The pupil’s parents, their penalty notices for this child, and what a new one would be',
        params: caseParams,
      },
    },
    async (req): Promise<PenaltyNoticesAnswer> => {
      const user = currentUser(req);
      const row = await loadCaseRow(db, user, req.params.caseId);
      const today = ctx.today();
      const { parents, formerParents } = await parentsOf(db, row.pupilId, today);
      return { caseId: row.caseId, today, parents, formerParents };
    },
  );

  app.post(
    '/api/cases/:caseId/penalty-notices',
    {
      config: { roles: ['manager'] },
      schema: {
        tags: ['cases'],
        summary: 'Request a penalty notice from the local authority, for each parent named',
        description:
          'One notice per parent with parental responsibility. All or nothing: when the 3-year rules refuse a notice to any parent named (a third within 3 years of the first), nothing is recorded and the 409 names each parent and the reason.',
        params: caseParams,
        body: requestBody,
      },
    },
    async (req): Promise<PenaltyNoticeRecord[]> => {
      const user = currentUser(req);
      const row = await loadCaseRow(db, user, req.params.caseId);
      const today = ctx.today();
      const requestedOn = req.body.requestedOn ?? today;
      if (requestedOn > today) throw badRequest('A request is recorded once it is made: not a future day.');
      const { pupil, parents } = await parentsOf(db, row.pupilId, requestedOn);
      const chosen = chosenParents(parents, req.body.contactIndexes);
      const refused = chosen.filter((p) => !p.terms.allowed);
      if (refused.length)
        throw conflict(refused.map((p) => `${p.name}: ${p.terms.allowed ? '' : p.terms.reason}`).join('; '), {
          refused: refused.map((p) => p.contactIndex),
        });
      const made = await db.transaction(async (tx) => {
        const made = await storeRequests(tx, {
          schoolId: pupil.schoolId,
          pupilId: pupil.id,
          caseId: row.caseId,
          parents: chosen,
          requestedOn,
          by: user.id,
        });
        for (const n of made)
          await writeAudit(tx, user, {
            action: 'penaltyNotice.request',
            targetType: 'penaltyNotice',
            targetId: n.id,
            schoolId: pupil.schoolId,
            details: { caseId: row.caseId, ordinal: n.ordinal, requestedOn },
          });
        return made;
      });
      return made;
    },
  );

  app.post(
    '/api/penalty-notices/:id/outcome',
    {
      config: { roles: ['manager'] },
      schema: {
        tags: ['cases'],
        summary: 'Record what came of a penalty notice: issued, paid at £80 or £160, unpaid, withdrawn',
        params: z.object({ id: z.string().min(1).max(20) }),
        body: z.object({
          outcome: z.enum(
            PENALTY_NOTICE_OUTCOMES.filter((o) => o !== 'requested') as [PenaltyNoticeOutcome],
            {
              error: 'one of issued, paid80, paid160, unpaid, withdrawn',
            },
          ),
          on: isoDate.optional().describe('The day it happened (default today)'),
        }),
      },
    },
    async (req): Promise<PenaltyNoticeRecord> => {
      const user = currentUser(req);
      const notice = await getPenaltyNotice(db, req.params.id);
      if (!notice) throw notFound('No such penalty notice');
      assertSchool(user, notice.schoolId, 'No such penalty notice');
      const on = req.body.on ?? ctx.today();
      if (on > ctx.today())
        throw badRequest('An outcome is recorded once it has happened: not a future day.');
      const problem = outcomeProblem(notice, req.body.outcome, on);
      if (problem) throw conflict(`Not recorded: ${problem}.`);
      const updated = await db.transaction(async (tx) => {
        const updated = await setPenaltyNoticeOutcome(tx, notice.id, {
          outcome: req.body.outcome,
          on,
          by: user.id,
        });
        await writeAudit(tx, user, {
          action: 'penaltyNotice.outcome',
          targetType: 'penaltyNotice',
          targetId: notice.id,
          schoolId: notice.schoolId,
          details: { caseId: notice.caseId, outcome: req.body.outcome, on },
        });
        return updated;
      });
      return updated;
    },
  );
}
