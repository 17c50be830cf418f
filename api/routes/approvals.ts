// The approvals queue: every step waiting for a person, oldest first, with a preview of exactly what
// will be sent, and the decisions (approve / reject with a reason / amend), one at a time or in bulk.
import { flagViewer } from '../auth/safeguarding';
import { z } from 'zod';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { buildCalendar, type SchoolCalendar } from '../../domain/calendar';
import type { Db } from '../../store/db';
import { listCasesAwaitingApproval } from '../../store/cases';
import { getSchool } from '../../store/schools';
import {
  decideStep,
  type CaseView,
  type PendingProposal,
  type StepDecision,
} from '../../workflows/caseMessages';
import { auditedDecision } from '../auth/auditedDecision';
import { currentUser } from '../auth/guard';
import { schoolsFor } from '../auth/scope';
import type { User } from '../auth/users';
import type { AppContext, ZodApp } from '../context';
import { conflict, forbidden, HttpError, toErrorBody } from '../errors';
import { caseClosed, caseView, findPending, loadCaseRow, mayDecide, updateCase } from '../services/cases';
import { previewProposal } from '../services/letterPreview';
import { amendLetterPlan } from '../../letters/plan';

/** A proposal waiting longer than this many school days is overdue (the case reminds at its own pace). */
export const OVERDUE_AFTER_SCHOOL_DAYS = 2;

const proposalParams = z.object({
  caseId: z.string().min(1).max(200),
  proposalId: z.string().min(1).max(100),
});

const decisionBody = z
  .object({
    decision: z.enum(['approve', 'reject', 'amend']),
    reason: z.string().trim().max(1000).optional(),
    amendedText: z.string().max(20_000).optional(),
    amendedMeetingStart: z.iso
      .datetime({ offset: true, error: 'a date-time such as 2026-11-24T15:30:00Z' })
      .optional(),
    planHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'the planHash the preview gave')
      .optional()
      .describe('The preview’s planHash: the decision is refused (409) if the step has changed since'),
  })
  .superRefine((b, c) => {
    if (b.decision === 'reject' && !b.reason)
      c.addIssue({ code: 'custom', path: ['reason'], message: 'say why the step is rejected' });
    if (b.decision === 'amend' && !b.amendedText?.trim() && !b.amendedMeetingStart) {
      c.addIssue({
        code: 'custom',
        path: ['amendedText'],
        message: 'an amendment needs new letter text or a new meeting time',
      });
    }
  });
type DecisionBody = z.output<typeof decisionBody>;

export function isOverdue(p: PendingProposal, calendar: SchoolCalendar | null, today: string): boolean {
  if (p.escalatedAt) return true;
  if (!calendar) return false;
  try {
    return calendar.addSchoolDays(p.proposedOn, OVERDUE_AFTER_SCHOOL_DAYS) < today;
  } catch {
    return false;
  }
}

export async function calendarsFor(
  db: Db,
  schoolIds: Iterable<string>,
): Promise<Map<string, SchoolCalendar | null>> {
  const out = new Map<string, SchoolCalendar | null>();
  for (const id of schoolIds) {
    if (out.has(id)) continue;
    const s = await getSchool(db, id);
    out.set(id, s ? buildCalendar(s.calendar) : null);
  }
  return out;
}

export interface DecisionOutcome {
  caseId: string;
  proposalId: string;
  status: string;
}

/** One decision, checked against the user's scope and role, sent to the case as an Update. */
export async function decide(
  ctx: AppContext,
  user: User,
  caseId: string,
  proposalId: string,
  body: DecisionBody,
): Promise<DecisionOutcome> {
  const row = await loadCaseRow(ctx.db, user, caseId);
  if (row.status === 'closed') throw caseClosed();
  // The projection may lag a few seconds behind the workflow: ask the workflow when in doubt.
  let proposal = findPending(row.view, proposalId);
  if (!proposal) {
    const { view } = await caseView(ctx.temporal, row, ctx.caseQueryTimeoutMs);
    proposal = findPending(view, proposalId);
  }
  if (!proposal)
    throw conflict('This step is no longer waiting for a decision (someone may have decided it already).');
  if (!mayDecide(user, proposal)) {
    throw forbidden(
      proposal.approver === 'manager'
        ? 'The policy reserves this step for a manager.'
        : `Your role (${user.role}) cannot decide steps; the attendance team and managers do.`,
    );
  }
  const decision: StepDecision = {
    proposalId,
    decision: body.decision,
    actor: { userId: user.id, role: user.role },
    ...(body.reason ? { reason: body.reason } : {}),
    ...(body.amendedMeetingStart ? { amendedMeetingStart: body.amendedMeetingStart } : {}),
    ...(await planned(ctx, row.view, proposal, body)),
  };
  const result = await auditedDecision(
    ctx.db,
    user,
    {
      action: `approval.${body.decision}`,
      targetType: 'case',
      targetId: caseId,
      schoolId: row.schoolId,
      details: {
        proposalId,
        stepId: proposal.step.stepId,
        // The policy's name for the step (not personal data), so the log reads as a sentence.
        title: proposal.step.title,
        kind: proposal.step.kind,
        template: proposal.step.template,
        approver: proposal.approver,
        withReason: Boolean(body.reason),
        amendedText: Boolean(decision.amendedText ?? decision.amendedPlan),
        planHash: decision.planHash,
        amendedMeetingStart: body.amendedMeetingStart,
      },
    },
    () =>
      updateCase(ctx.db, row, () =>
        ctx.temporal.workflow.getHandle(caseId).executeUpdate(decideStep, { args: [decision] }),
      ),
  );
  return { caseId, proposalId, status: result.status };
}

/**
 * What the decision says about the step's plan. An engine-2 step carries its plan: the decision names
 * the plan it was made on (the preview's hash, else the one on record), and an amendment sends the
 * plan with the new wording, rendered here exactly as the preview rendered it. An engine-1 step has
 * no plan and takes the amended text as it is.
 */
async function planned(
  ctx: AppContext,
  view: CaseView,
  proposal: PendingProposal,
  body: DecisionBody,
): Promise<Pick<StepDecision, 'planHash' | 'amendedPlan' | 'amendedText'>> {
  const plan = proposal.plan;
  const text = body.amendedText?.trim() ? body.amendedText : undefined;
  if (!plan) return text ? { amendedText: text } : {};
  if (body.decision === 'amend' && text) {
    if (plan.kind !== 'letter' && plan.kind !== 'message') {
      throw conflict('Only the wording of a letter or message can be amended; this step has none.');
    }
    const amended = await amendLetterPlan(
      ctx.db,
      plan,
      { schoolId: view.schoolId, pupilId: view.pupilId, channel: proposal.step.channel },
      text,
    );
    if (body.planHash && body.planHash !== amended.hash) {
      throw conflict('The amended letter is not the one you previewed: preview it again.');
    }
    return { amendedPlan: amended, planHash: amended.hash };
  }
  if (body.planHash && body.planHash !== plan.hash) {
    throw conflict('This step has changed since it was shown to you: look at it again.');
  }
  return { planHash: body.planHash ?? plan.hash };
}

export async function registerApprovalRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;

  app.get(
    '/api/approvals',
    {
      schema: {
        tags: ['approvals'],
        summary: 'Steps waiting for a decision, oldest first',
        querystring: z.object({
          schoolId: z.string().min(1).max(64).optional(),
          approver: z.enum(['team', 'manager']).optional(),
          overdue: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
          mine: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional()
            .describe('Only the steps you may decide'),
        }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const schools = schoolsFor(user, req.query.schoolId);
      const rows = await listCasesAwaitingApproval(db, schools);
      const calendars = await calendarsFor(
        db,
        rows.map((r) => r.schoolId),
      );
      const today = ctx.today();
      const items = rows.flatMap((r) =>
        (r.view.pending ?? []).map((p) => ({
          caseId: r.caseId,
          schoolId: r.schoolId,
          pupil: r.pupil,
          stageName: r.stageName,
          // The pupil's latest figures, so a row says why without opening it.
          figures: r.view.latestFacts,
          proposalId: p.proposalId,
          step: p.step,
          // What approving from the list will do is what was planned: a step changed since is skipped.
          planHash: p.plan?.hash ?? null,
          approver: p.approver,
          proposedAt: p.proposedAt,
          proposedOn: p.proposedOn,
          remindedAt: p.remindedAt ?? null,
          escalatedAt: p.escalatedAt ?? null,
          overdue: isOverdue(p, calendars.get(r.schoolId) ?? null, today),
          // Why the case is at its stage (the reasons recorded when it entered it).
          stageReasons:
            [...(r.view.timeline ?? [])]
              .reverse()
              .find((e) => e.type === 'opened' || e.type === 'stageChanged')?.reasons ?? [],
          canDecide: mayDecide(user, p),
        })),
      );
      const filtered = items
        .filter((i) => !req.query.approver || i.approver === req.query.approver)
        .filter((i) => req.query.overdue === undefined || i.overdue === req.query.overdue)
        .filter((i) => !req.query.mine || i.canDecide)
        .sort((a, b) =>
          a.proposedAt < b.proposedAt
            ? -1
            : a.proposedAt > b.proposedAt
              ? 1
              : a.caseId.localeCompare(b.caseId),
        );
      const flags = await flagViewer(db, req, user);
      return {
        total: filtered.length,
        overdue: filtered.filter((i) => i.overdue).length,
        items: filtered.map((i) => ({
          ...i,
          pupil: { ...i.pupil, flags: flags.show(i.schoolId, i.pupil.id, i.pupil.flags) },
        })),
      };
    },
  );

  async function preview(user: User, caseId: string, proposalId: string, amendedText?: string) {
    const row = await loadCaseRow(db, user, caseId);
    const { view } = await caseView(ctx.temporal, row, ctx.caseQueryTimeoutMs);
    const proposal = findPending(view, proposalId) ?? findPending(row.view, proposalId);
    if (!proposal) throw conflict('This step is no longer waiting for a decision.');
    return {
      proposal: { ...proposal, canDecide: mayDecide(user, proposal) },
      preview: await previewProposal(db, view, proposal, ctx.today(), amendedText),
    };
  }

  app.get(
    '/api/approvals/:caseId/:proposalId/preview',
    {
      schema: {
        tags: ['approvals'],
        summary: 'The step exactly as it will be sent (letters rendered by the send path)',
        params: proposalParams,
      },
    },
    async (req) => preview(currentUser(req), req.params.caseId, req.params.proposalId),
  );

  app.post(
    '/api/approvals/:caseId/:proposalId/preview',
    {
      schema: {
        tags: ['approvals'],
        summary: 'Preview with amended letter text (nothing is saved)',
        params: proposalParams,
        body: z.object({ amendedText: z.string().max(20_000) }),
      },
    },
    async (req) => preview(currentUser(req), req.params.caseId, req.params.proposalId, req.body.amendedText),
  );

  app.post(
    '/api/approvals/:caseId/:proposalId/decision',
    {
      config: { roles: ['officer', 'manager'] },
      schema: {
        tags: ['approvals'],
        summary: 'Approve, reject (with a reason) or amend a proposed step',
        description:
          'Sent to the case as the decideStep Update. A stale or repeated decision is refused by the case: 409 with the reason. Steps the policy reserves for managers need a manager (403).',
        params: proposalParams,
        body: decisionBody,
      },
    },
    async (req) => decide(ctx, currentUser(req), req.params.caseId, req.params.proposalId, req.body),
  );

  app.post(
    '/api/approvals/bulk',
    {
      config: { roles: ['officer', 'manager'] },
      schema: {
        tags: ['approvals'],
        summary: 'Approve many steps at once; each gets its own result',
        body: z.object({
          decision: z.literal('approve'),
          // The web app sends a long selection in pieces of this size, showing its progress.
          items: z
            .array(
              z.object({
                caseId: z.string().min(1).max(200),
                proposalId: z.string().min(1).max(100),
                planHash: z
                  .string()
                  .regex(/^[0-9a-f]{64}$/, 'the planHash the list gave')
                  .optional()
                  .describe('As listed: a step that has changed since is skipped, with the reason'),
              }),
            )
            .min(1)
            .max(200),
        }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const results: (
        | { caseId: string; proposalId: string; ok: true; status: string }
        | { caseId: string; proposalId: string; ok: false; statusCode: number; error: string }
      )[] = [];
      for (const item of req.body.items) {
        try {
          const r = await decide(ctx, user, item.caseId, item.proposalId, {
            decision: 'approve',
            ...(item.planHash ? { planHash: item.planHash } : {}),
          });
          results.push({ caseId: item.caseId, proposalId: item.proposalId, ok: true, status: r.status });
        } catch (err) {
          if (!(
            err instanceof HttpError ||
            err instanceof WorkflowUpdateFailedError ||
            err instanceof WorkflowNotFoundError
          ))
            throw err;
          const body = toErrorBody(err);
          results.push({
            caseId: item.caseId,
            proposalId: item.proposalId,
            ok: false,
            statusCode: body.statusCode,
            // The case's own reason for a refusal (toErrorBody), never its internals.
            error: body.error,
          });
        }
      }
      return {
        approved: results.filter((r) => r.ok).length,
        failed: results.filter((r) => !r.ok).length,
        results,
      };
    },
  );
}
