// Cases: the list (from the read model, with filters), one case in full (state, timeline, chart
// series, letters, meetings, tasks) from the read model at once, the case's live view from its
// workflow within a short timeout, and the human events the team records on it.
import { flagViewer } from '../auth/safeguarding';
import { z } from 'zod';
import { OUTCOME_KINDS } from '../../domain/caseTypes';
import { buildCalendar } from '../../domain/calendar';
import { CASE_SORT_KEYS, countActiveCasesByStage, listCases } from '../../store/cases';
import {
  listLettersForCase,
  listMeetingsForCase,
  listOutbox,
  listStaffTasks,
  type OutboxRecord,
} from '../../store/caseServices';
import type { Db } from '../../store/db';
import { loadMarkGrid } from '../../store/marks';
import { getPupil } from '../../store/pupils';
import { getSchool } from '../../store/schools';
import { recordEvent, type CaseView, type HumanEvent } from '../../workflows/caseMessages';
import { auditedDecision } from '../auth/auditedDecision';
import { displayNamesOf } from '../auth/users';
import type { User } from '../auth/users';
import { currentUser } from '../auth/guard';
import { schoolsFor } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { HttpError, badRequest, notFound } from '../errors';
import { thresholdsFor, weeklySeries } from '../services/attendance';
import {
  caseClosed,
  liveCaseView,
  loadCaseRow,
  mayCompleteTask,
  mayDecide,
  updateCase,
} from '../services/cases';
import { policyOfCase } from '../services/policies';
import { flagList, pageQuery } from './pupils';
import { isoDate } from './schools';

export const caseParams = z.object({ caseId: z.string().min(1).max(200) });

const eventBody = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('outcome'),
    outcome: z.enum(OUTCOME_KINDS),
    stepId: z.string().max(100).optional(),
    on: isoDate.optional(),
    note: z.string().trim().max(2000).optional(),
  }),
  z.object({
    type: z.literal('pause'),
    reason: z.string().trim().min(1, 'say why the case is paused').max(500),
    on: isoDate.optional(),
    note: z.string().max(2000).optional(),
  }),
  z.object({ type: z.literal('resume'), on: isoDate.optional(), note: z.string().max(2000).optional() }),
  z.object({
    type: z.literal('close'),
    reason: z.string().trim().min(1, 'say why the case is closed').max(500),
    on: isoDate.optional(),
    note: z.string().max(2000).optional(),
  }),
  z.object({
    type: z.literal('note'),
    note: z.string().trim().min(1, 'write the note').max(2000),
    on: isoDate.optional(),
  }),
]);

/**
 * The case as this user sees it: each waiting step says whether they may decide it, and each open
 * task whether they may record its outcome.
 */
function caseFor(user: User, view: CaseView) {
  return {
    ...view,
    pending: view.pending.map((p) => ({ ...p, canDecide: mayDecide(user, p) })),
    ...(view.tasks
      ? {
          tasks: view.tasks.map((t) => ({
            ...t,
            canComplete: view.status !== 'closed' && t.status === 'open' && mayCompleteTask(user, t),
          })),
        }
      : {}),
  };
}

/** The names of the people the case's tasks are for and who recorded their outcomes (by user id). */
async function peopleOf(db: Db, view: CaseView): Promise<Record<string, string>> {
  const ids = (view.tasks ?? []).flatMap((t) => [t.owner, ...(t.completedBy ? [t.completedBy.userId] : [])]);
  return Object.fromEntries(await displayNamesOf(db, ids));
}

/** How a letter went out, from its outbox messages: a held letter must never read as sent. */
function deliveryOf(
  letterId: string,
  recipients: { channel: string; byPost?: boolean }[],
  outbox: OutboxRecord[],
) {
  const mine = outbox.filter((m) => m.ref === letterId);
  const count = (status: OutboxRecord['status']) => mine.filter((m) => m.status === status).length;
  return {
    sent: count('sent'),
    held: count('held'),
    queued: count('queued'),
    failed: count('failed'),
    // Paper copies: carers with no email, and those a letter goes to by post as well.
    toPost: recipients.filter((r) => r.byPost || r.channel === 'none').length,
  };
}

function permissionsFor(user: User, view: CaseView) {
  return { recordEvents: (user.role === 'officer' || user.role === 'manager') && view.status !== 'closed' };
}

export async function registerCaseRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;

  app.get(
    '/api/cases',
    {
      schema: {
        tags: ['cases'],
        summary: 'Cases in your scope, filtered and paginated',
        querystring: z.object({
          schoolId: z.string().min(1).max(64).optional(),
          status: z
            .enum(['active', 'open', 'paused', 'closed', 'all'])
            .default('active')
            .describe('active = open or paused'),
          stage: z
            .string()
            .max(500)
            .transform((s) =>
              s
                .split(',')
                .map((x) => x.trim())
                .filter(Boolean),
            )
            .optional()
            .describe('Stage ids, comma separated'),
          yearGroup: z.coerce.number().int().min(-2).max(14).optional(),
          flags: flagList.optional().describe('Pupils with any of these flags (comma separated)'),
          pending: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional()
            .describe('Only cases with (true) or without (false) steps waiting for approval'),
          approver: z
            .enum(['team', 'manager'])
            .optional()
            .describe('Only cases with a step waiting for this approver'),
          nextFrom: isoDate.optional(),
          nextTo: isoDate.optional(),
          q: z.string().trim().max(100).optional().describe('Part of the pupil’s name, or a UPN'),
          sort: z.enum(CASE_SORT_KEYS).default('next'),
          ...pageQuery,
        }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const q = req.query;
      const schoolIds = schoolsFor(user, q.schoolId);
      const flags = await flagViewer(db, req, user);
      flags.assertMayFilter(q.flags, schoolIds);
      const { total, cases } = await listCases(db, {
        schoolIds,
        status: q.status,
        stageIds: q.stage,
        yearGroup: q.yearGroup,
        flags: q.flags,
        pending: q.pending,
        approver: q.approver,
        nextFrom: q.nextFrom,
        nextTo: q.nextTo,
        text: q.q,
        sort: q.sort,
        page: q.page,
        pageSize: q.pageSize,
      });
      // The stages present in scope, for the filter (with counts of active cases).
      const stages = await countActiveCasesByStage(db, schoolIds);
      // The year groups on the roll in scope, for the filter (never a year no pupil is in).
      const years = await db.query<{ year_group: number }>(
        `SELECT DISTINCT year_group FROM pupils
         WHERE year_group IS NOT NULL AND ($1::text[] IS NULL OR school_id = ANY($1::text[])) ORDER BY year_group`,
        [schoolIds],
      );
      return {
        yearGroups: years.rows.map((r) => r.year_group),
        total,
        page: q.page,
        pageSize: q.pageSize,
        stages: stages.map((s) => ({
          id: s.stageId,
          name: s.stageName ?? s.stageId,
          rank: s.stageRank,
          active: s.active,
        })),
        cases: cases.map((c) => ({
          ...c,
          pupil: { ...c.pupil, flags: flags.show(c.schoolId, c.pupil.id, c.pupil.flags) },
        })),
      };
    },
  );

  app.get(
    '/api/cases/:caseId',
    {
      schema: {
        tags: ['cases'],
        summary: 'One case: state, timeline, attendance series, letters, meetings and tasks',
        description:
          'Answered from the read model at once (`source: "projection"`), whatever the workers are doing; `GET /api/cases/:caseId/live` has the case as its workflow holds it now.',
        params: caseParams,
      },
    },
    async (req) => {
      const user = currentUser(req);
      const row = await loadCaseRow(db, user, req.params.caseId);
      const view = row.view;
      const [pupil, school, letters, meetings, tasks, outbox, policy] = await Promise.all([
        getPupil(db, row.pupilId),
        getSchool(db, row.schoolId),
        listLettersForCase(db, row.caseId),
        listMeetingsForCase(db, row.caseId),
        listStaffTasks(db, row.schoolId, { caseId: row.caseId }),
        listOutbox(db, row.schoolId, { caseId: row.caseId, limit: 100 }),
        policyOfCase(db, row.schoolId, row.policyId, row.policyVersion),
      ]);
      if (!pupil || !school) throw notFound('No such case');
      const calendar = buildCalendar(school.calendar);
      const today = ctx.today();
      const asOf = today > calendar.lastSchoolDay ? calendar.lastSchoolDay : today;
      const grid = await loadMarkGrid(db, pupil.id);
      const people = await peopleOf(db, view);
      return {
        source: 'projection' as const,
        case: caseFor(user, view),
        pupil: {
          id: pupil.id,
          upn: pupil.upn,
          givenName: pupil.givenName,
          familyName: pupil.familyName,
          yearGroup: pupil.yearGroup,
          dateOfBirth: pupil.dateOfBirth,
          flags: (await flagViewer(db, req, user)).show(school.id, pupil.id, pupil.flags),
          contacts: pupil.contacts,
        },
        school: { id: school.id, name: school.name },
        policy: policy
          ? {
              id: policy.id,
              name: policy.name,
              version: String(policy.version),
              baselineWindow: policy.baselineWindow,
              stages: policy.stages.map((s) => ({ id: s.id, name: s.name, summary: s.summary })),
            }
          : null,
        series: weeklySeries(grid, calendar, asOf, pupil),
        thresholds: thresholdsFor(policy),
        letters: letters.map((l) => ({
          id: l.id,
          subject: l.subject,
          templateId: l.templateId,
          stageId: l.stageId,
          stepId: l.stepId,
          sentOn: l.sentOn,
          amended: l.amended,
          recipients: l.recipients.map((r) => ({
            name: r.name,
            channel: r.channel,
            // A paper copy, and whether it can be printed addressed (the roster had an address).
            ...(r.byPost ? { byPost: true, addressed: Boolean(r.postal) } : {}),
          })),
          delivery: deliveryOf(l.id, l.recipients, outbox),
        })),
        meetings: meetings.map((m) => ({
          id: m.id,
          kind: m.kind,
          title: m.title,
          startsAt: m.startsAt,
          endsAt: m.endsAt,
          staffName: m.staffName,
          location: m.location,
          status: m.status,
          stepId: m.stepId,
        })),
        tasks: tasks.map((t) => ({
          id: t.id,
          kind: t.kind,
          title: t.title,
          dueOn: t.dueOn,
          status: t.status,
          stepId: t.stepId,
        })),
        people,
        messages: outbox.map((m) => ({
          id: m.id,
          channel: m.channel,
          subject: m.subject,
          status: m.status,
          createdAt: m.createdAt,
          sentAt: m.sentAt,
          ref: m.ref,
        })),
        outcomeKinds: OUTCOME_KINDS,
        permissions: permissionsFor(user, view),
      };
    },
  );

  app.get(
    '/api/cases/:caseId/live',
    {
      schema: {
        tags: ['cases'],
        summary: 'The case as its workflow holds it now, if it answers in time',
        description:
          'Asks the case workflow (getCaseView) within a short timeout. 200 with the live view; 204 for a closed case (the read model holds its final state); 503 when the case does not answer in time (a busy or stopped worker), and the read model is what to show.',
        params: caseParams,
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      const row = await loadCaseRow(db, user, req.params.caseId);
      if (row.status === 'closed') return reply.code(204).send();
      const view = await liveCaseView(ctx.temporal, row.caseId, ctx.caseQueryTimeoutMs);
      if (!view) throw new HttpError(503, 'The case did not answer in time; it is shown as last saved.');
      return {
        source: 'workflow' as const,
        case: caseFor(user, view),
        permissions: permissionsFor(user, view),
      };
    },
  );

  app.post(
    '/api/cases/:caseId/events',
    {
      config: { roles: ['officer', 'manager'] },
      schema: {
        tags: ['cases'],
        summary:
          'Record what happened: an outcome, medical evidence, a contract signed or declined, pause, resume, close or a note',
        description:
          'Sent to the case workflow as the recordEvent Update. A refusal by the case (closed, not paused, …) is a 409 with the reason; a case that is not running and not closed is a 404.',
        params: caseParams,
        body: eventBody,
      },
    },
    async (req) => {
      const user = currentUser(req);
      const row = await loadCaseRow(db, user, req.params.caseId);
      // Nothing to decide on a closed case: refused before anything is audited as decided.
      if (row.status === 'closed') throw caseClosed();
      const b = req.body;
      if (b.on && b.on > ctx.today())
        throw badRequest(`${b.on} is in the future: record what has happened, on the day it happened.`);
      const event: HumanEvent['event'] =
        b.type === 'outcome'
          ? { type: 'outcome', outcome: b.outcome, ...(b.stepId ? { stepId: b.stepId } : {}) }
          : b.type === 'pause'
            ? { type: 'pause', reason: b.reason }
            : b.type === 'close'
              ? { type: 'close', reason: b.reason }
              : b.type === 'resume'
                ? { type: 'resume' }
                : { type: 'note' };
      const human: HumanEvent = {
        actor: { userId: user.id, role: user.role },
        event,
        ...(b.on ? { on: b.on } : {}),
        ...(b.note ? { note: b.note } : {}),
      };
      return auditedDecision(
        db,
        user,
        {
          action: `case.event.${b.type}`,
          targetType: 'case',
          targetId: row.caseId,
          schoolId: row.schoolId,
          details: {
            ...(b.type === 'outcome' ? { outcome: b.outcome, stepId: b.stepId } : {}),
            on: b.on,
            withNote: Boolean(b.note),
          },
        },
        () =>
          updateCase(db, row, () =>
            ctx.temporal.workflow.getHandle(row.caseId).executeUpdate(recordEvent, { args: [human] }),
          ),
      );
    },
  );
}
