// Cases: the list (from the projection, with filters), one case in full (state, timeline, chart
// series, letters, meetings, tasks) and the human events the team records on it.
import { z } from 'zod';
import { OUTCOME_KINDS } from '../../domain/caseTypes';
import { buildCalendar } from '../../domain/calendar';
import {
  listLettersForCase,
  listMeetingsForCase,
  listOutbox,
  listStaffTasks,
} from '../../store/caseServices';
import { loadMarkGrid } from '../../store/marks';
import { getPupil } from '../../store/pupils';
import { getSchool } from '../../store/schools';
import { recordEvent, type HumanEvent } from '../../workflows/caseMessages';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { schoolsFor } from '../auth/scope';
import type { AppContext, ZodApp } from '../context';
import { notFound } from '../errors';
import { thresholdsFor, weeklySeries } from '../services/attendance';
import { caseView, loadCaseRow, mayDecide, updateCase } from '../services/cases';
import { policyOfCase } from '../services/policies';
import { flagList, pageQuery } from './pupils';
import { isoDate } from './schools';

export const caseParams = z.object({ caseId: z.string().min(1).max(200) });

const SORTS = {
  next: 'c.next_action_on ASC NULLS LAST, c.stage_rank DESC NULLS LAST',
  stage: 'c.stage_rank DESC NULLS LAST, c.next_action_on ASC NULLS LAST',
  name: 'p.family_name, p.given_name',
  opened: 'c.opened_on DESC',
  attendance: 'c.attendance_pct ASC NULLS LAST',
  pending: 'c.pending_approvals DESC, c.oldest_pending_at ASC NULLS LAST',
} as const;

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
          sort: z.enum(Object.keys(SORTS) as [keyof typeof SORTS, ...(keyof typeof SORTS)[]]).default('next'),
          ...pageQuery,
        }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const q = req.query;
      const schools = schoolsFor(user, q.schoolId);
      const params: unknown[] = [schools];
      const p = (v: unknown) => {
        params.push(v);
        return `$${params.length}`;
      };
      const where: string[] = ['($1::text[] IS NULL OR c.school_id = ANY($1::text[]))'];
      if (q.status === 'active') where.push(`c.status <> 'closed'`);
      else if (q.status !== 'all') where.push(`c.status = ${p(q.status)}`);
      if (q.stage?.length) where.push(`c.stage_id = ANY(${p(q.stage)}::text[])`);
      if (q.yearGroup !== undefined) where.push(`p.year_group = ${p(q.yearGroup)}`);
      if (q.flags?.length) where.push(`p.flags && ${p(q.flags)}::text[]`);
      if (q.pending === true) where.push('c.pending_approvals > 0');
      if (q.pending === false) where.push('c.pending_approvals = 0');
      if (q.approver)
        where.push(
          `EXISTS (SELECT 1 FROM jsonb_array_elements(c.view->'pending') e WHERE e->>'approver' = ${p(q.approver)})`,
        );
      if (q.nextFrom) where.push(`c.next_action_on >= ${p(q.nextFrom)}::date`);
      if (q.nextTo) where.push(`c.next_action_on <= ${p(q.nextTo)}::date`);
      if (q.q) {
        const like = `%${q.q.replace(/[%_\\]/g, '')}%`;
        where.push(
          `((p.given_name || ' ' || p.family_name) ILIKE ${p(like)} OR p.upn = ${p(q.q.toUpperCase())})`,
        );
      }
      const clause = where.join(' AND ');
      const from = 'FROM cases c JOIN pupils p ON p.id = c.pupil_id';
      const total =
        (await db.query<{ n: number }>(`SELECT count(*)::int AS n ${from} WHERE ${clause}`, params)).rows[0]
          ?.n ?? 0;
      const { rows } = await db.query<{
        case_id: string;
        school_id: string;
        pupil_id: string;
        given_name: string;
        family_name: string;
        year_group: number | null;
        flags: string[];
        status: string;
        stage_id: string | null;
        stage_name: string | null;
        stage_rank: number | null;
        opened_on: string;
        pending_approvals: number;
        oldest_pending_at: string | null;
        next_action_on: string | null;
        next_action: string | null;
        attendance_pct: string | null;
      }>(
        `SELECT c.case_id, c.school_id, c.pupil_id::text AS pupil_id, p.given_name, p.family_name, p.year_group, p.flags, c.status,
                c.stage_id, c.stage_name, c.stage_rank, c.opened_on::text AS opened_on, c.pending_approvals,
                c.oldest_pending_at::text AS oldest_pending_at, c.next_action_on::text AS next_action_on, c.next_action,
                c.attendance_pct::text AS attendance_pct
         ${from} WHERE ${clause} ORDER BY ${SORTS[q.sort]}, c.case_id
         LIMIT ${p(q.pageSize)} OFFSET ${p((q.page - 1) * q.pageSize)}`,
        params,
      );
      // The stages present in scope, for the filter (with counts of active cases).
      const stages = await db.query<{
        stage_id: string;
        stage_name: string | null;
        stage_rank: number | null;
        n: number;
      }>(
        `SELECT stage_id, max(stage_name) AS stage_name, max(stage_rank) AS stage_rank, count(*)::int AS n FROM cases c
         WHERE ($1::text[] IS NULL OR c.school_id = ANY($1::text[])) AND c.status <> 'closed' AND stage_id IS NOT NULL
         GROUP BY stage_id ORDER BY max(stage_rank), stage_id`,
        [schools],
      );
      return {
        total,
        page: q.page,
        pageSize: q.pageSize,
        stages: stages.rows.map((s) => ({
          id: s.stage_id,
          name: s.stage_name ?? s.stage_id,
          rank: s.stage_rank,
          active: s.n,
        })),
        cases: rows.map((r) => ({
          caseId: r.case_id,
          schoolId: r.school_id,
          pupil: {
            id: r.pupil_id,
            givenName: r.given_name,
            familyName: r.family_name,
            yearGroup: r.year_group,
            flags: r.flags ?? [],
          },
          status: r.status,
          stageId: r.stage_id,
          stageName: r.stage_name,
          stageRank: r.stage_rank,
          openedOn: r.opened_on,
          pendingApprovals: r.pending_approvals,
          oldestPendingAt: r.oldest_pending_at,
          nextActionOn: r.next_action_on,
          nextAction: r.next_action,
          attendancePct: r.attendance_pct === null ? null : Number(r.attendance_pct),
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
        params: caseParams,
      },
    },
    async (req) => {
      const user = currentUser(req);
      const row = await loadCaseRow(db, user, req.params.caseId);
      const { view, source } = await caseView(ctx.temporal, row, ctx.caseQueryTimeoutMs);
      const [pupil, school, letters, meetings, tasks, outbox, policy] = await Promise.all([
        getPupil(db, row.pupil_id),
        getSchool(db, row.school_id),
        listLettersForCase(db, row.case_id),
        listMeetingsForCase(db, row.case_id),
        listStaffTasks(db, row.school_id, { caseId: row.case_id }),
        listOutbox(db, row.school_id, { caseId: row.case_id, limit: 100 }),
        policyOfCase(db, row.school_id, row.policy_id, row.policy_version),
      ]);
      if (!pupil || !school) throw notFound('No such case');
      const calendar = buildCalendar(school.calendar);
      const today = ctx.today();
      const asOf = today > calendar.lastSchoolDay ? calendar.lastSchoolDay : today;
      const grid = await loadMarkGrid(db, pupil.id);
      return {
        source,
        case: {
          ...view,
          pending: view.pending.map((p) => ({ ...p, canDecide: mayDecide(user, p) })),
        },
        pupil: {
          id: pupil.id,
          upn: pupil.upn,
          givenName: pupil.givenName,
          familyName: pupil.familyName,
          yearGroup: pupil.yearGroup,
          dateOfBirth: pupil.dateOfBirth,
          flags: pupil.flags,
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
          recipients: l.recipients.map((r) => ({ name: r.name, channel: r.channel })),
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
        permissions: {
          recordEvents: (user.role === 'officer' || user.role === 'manager') && view.status !== 'closed',
        },
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
      const b = req.body;
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
      const result = await updateCase(db, row, () =>
        ctx.temporal.workflow.getHandle(row.case_id).executeUpdate(recordEvent, { args: [human] }),
      );
      await writeAudit(db, user, {
        action: `case.event.${b.type}`,
        targetType: 'case',
        targetId: row.case_id,
        schoolId: row.school_id,
        details: {
          ...(b.type === 'outcome' ? { outcome: b.outcome, stepId: b.stepId } : {}),
          on: b.on,
          withNote: Boolean(b.note),
        },
      });
      return result;
    },
  );
}
