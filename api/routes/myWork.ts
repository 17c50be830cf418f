// My work: an officer's day on one page (api/services/myWork.ts builds the list), and giving a task
// to a person in the team. Decisions and outcomes go through their own endpoints (approvals, task
// outcomes), so each is checked, signed and audited in one place.
import { z } from 'zod';
import { writeAudit } from '../auth/audit';
import { currentUser } from '../auth/guard';
import { flagViewer } from '../auth/safeguarding';
import { schoolsFor } from '../auth/scope';
import { displayNamesOf } from '../auth/users';
import type { AppContext, ZodApp } from '../context';
import { badRequest, conflict, forbidden } from '../errors';
import { caseClosed, findTask, loadCaseRow, mayCompleteTask } from '../services/cases';
import { buildWorkList, type WorkItem } from '../services/myWork';
import { assignTask, staffOfSchool, type StaffMember } from '../../store/taskAssignees';
import { calendarsFor, isOverdue } from './approvals';
import { pageQuery } from './pupils';
import { ownerLabel } from './tasks';

const bool = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();

/** GET /api/my-work. */
export interface MyWorkAnswer {
  today: string;
  total: number;
  /** Counts over the whole list (all pages), for the page's headline. */
  counts: { approvals: number; tasks: number; firstDayCalls: number; overdue: number; safeguarding: number };
  /** The stages the listed cases are at, for the filter. */
  stages: { id: string; name: string }[];
  /** Whom tasks can be given to, per school in the list. */
  staff: Record<string, StaffMember[]>;
  page: number;
  pageSize: number;
  items: WorkItem[];
}

export async function registerMyWorkRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;

  app.get(
    '/api/my-work',
    {
      config: { roles: ['officer', 'manager'] },
      schema: {
        tags: ['tasks'],
        summary: 'An officer’s day: approvals, tasks and first-day calls, safeguarding first',
        description:
          'Steps waiting for a decision, open tasks (calls with their scripts, home visits, contract meetings), and today’s unexplained absences with no call recorded, each with the pupil’s figures and the flags you may see. sort=safeguarding (default: flagged pupils first, then overdue, then due date), due, or stage (furthest on first).',
        querystring: z.object({
          schoolId: z.string().min(1).max(64).optional(),
          type: z.enum(['approval', 'task', 'firstDayCall']).optional(),
          stageId: z.string().min(1).max(100).optional(),
          overdue: bool,
          mine: bool.describe('Only your work: steps you may decide, tasks given to you or your team'),
          sort: z.enum(['safeguarding', 'due', 'stage']).default('safeguarding'),
          ...pageQuery,
        }),
      },
    },
    async (req): Promise<MyWorkAnswer> => {
      const user = currentUser(req);
      const q = req.query;
      const schoolIds = schoolsFor(user, q.schoolId);
      const today = ctx.today();
      const flags = await flagViewer(db, req, user);
      const { rows } = await db.query<{ id: string }>(
        'SELECT id FROM schools WHERE ($1::text[] IS NULL OR id = ANY($1::text[])) ORDER BY id',
        [schoolIds],
      );
      const calendars = await calendarsFor(
        db,
        rows.map((r) => r.id),
      );
      const owners = await db.query<{ owner: string }>(
        `SELECT DISTINCT t.task->>'owner' AS owner FROM cases c,
           jsonb_array_elements(COALESCE(c.view->'tasks', '[]'::jsonb)) AS t(task)
         WHERE ($1::text[] IS NULL OR c.school_id = ANY($1::text[])) AND c.status <> 'closed'`,
        [schoolIds],
      );
      const names = await displayNamesOf(
        db,
        owners.rows.map((r) => r.owner),
      );
      const staff: Record<string, StaffMember[]> = {};
      for (const r of rows) staff[r.id] = await staffOfSchool(db, r.id);
      const activeStaff = new Set(Object.values(staff).flatMap((list) => list.map((m) => m.id)));
      const all = await buildWorkList(
        {
          db,
          user,
          schoolIds,
          today,
          calendars,
          isOverdue: (p, calendar) => isOverdue(p, calendar, today),
          ownerName: (owner) => ownerLabel(owner, names),
          seesFlags: (schoolId) => flags.sees(schoolId),
          activeStaff,
        },
        {
          ...(q.type ? { type: q.type } : {}),
          ...(q.stageId ? { stageId: q.stageId } : {}),
          ...(q.overdue !== undefined ? { overdue: q.overdue } : {}),
          ...(q.mine ? { mine: true } : {}),
          sort: q.sort,
        },
      );
      const stages = new Map<string, string>();
      for (const i of all) if (i.stageId) stages.set(i.stageId, i.stageName ?? i.stageId);
      const start = (q.page - 1) * q.pageSize;
      return {
        today,
        total: all.length,
        counts: {
          approvals: all.filter((i) => i.type === 'approval').length,
          tasks: all.filter((i) => i.type === 'task').length,
          firstDayCalls: all.filter((i) => i.type === 'firstDayCall').length,
          overdue: all.filter((i) => i.overdue).length,
          safeguarding: all.filter((i) => i.safeguarding).length,
        },
        stages: [...stages].map(([id, name]) => ({ id, name })),
        staff,
        page: q.page,
        pageSize: q.pageSize,
        // Flags shown (and safeguarding views audited) for the page sent, not the whole list.
        items: all.slice(start, start + q.pageSize).map((i) => ({
          ...i,
          pupil: { ...i.pupil, flags: flags.show(i.schoolId, i.pupil.id, i.pupil.flags) },
        })),
      };
    },
  );

  app.put(
    '/api/cases/:caseId/tasks/:taskId/assignee',
    {
      config: { roles: ['officer', 'manager'] },
      schema: {
        tags: ['tasks'],
        summary: 'Give a task to a person in the team, or back to the team',
        description:
          'Who picks up the team’s work is the office’s arrangement: it changes nothing the case does, and is kept beside the read model (audited). The person must be an officer or manager of the case’s school.',
        params: z.object({
          caseId: z.string().min(1).max(200),
          taskId: z.string().min(1).max(200),
        }),
        body: z.object({
          userId: z.uuid({ error: 'the id of an officer or manager, or null for the team' }).nullable(),
        }),
      },
    },
    async (req) => {
      const user = currentUser(req);
      const { caseId, taskId } = req.params;
      const row = await loadCaseRow(db, user, caseId);
      if (row.status === 'closed') throw caseClosed();
      const task = findTask(row.view, taskId);
      if (!task) throw conflict('This case has no such task, or it is not in the read model yet.');
      if (task.status !== 'open') throw conflict('This task is done: there is nothing left to give anyone.');
      if (!mayCompleteTask(user, task)) throw forbidden('This task is for a manager.');
      const { userId } = req.body;
      if (userId !== null) {
        const staff = await staffOfSchool(db, row.schoolId);
        if (!staff.some((s) => s.id === userId))
          throw badRequest('That person is not an officer or manager of this school.');
      }
      await db.transaction(async (tx) => {
        await assignTask(tx, { taskId, caseId, schoolId: row.schoolId, userId, by: user.id });
        await writeAudit(tx, user, {
          action: userId ? 'task.assign' : 'task.unassign',
          targetType: 'case',
          targetId: caseId,
          schoolId: row.schoolId,
          details: { taskId, ...(userId ? { assignee: userId } : {}) },
        });
      });
      return { taskId, assignee: userId };
    },
  );
}
