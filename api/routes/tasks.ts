// Work for people that the cases made (a call to make, a home visit, a contract to agree, next
// year's calendar to import): the worklist across the user's schools, from the read model, and the
// outcome of a task, which goes to its case as the completeTask Update. A task is done only when its
// outcome is recorded; a call with no answer stays open with the attempt on the case's timeline.
import { flagViewer } from '../auth/safeguarding';
import { z } from 'zod';
import { listOpenCaseTasks, type OpenCaseTask } from '../../store/cases';
import {
  completeTask,
  type CaseTask,
  type HumanEventResult,
  type TaskOutcome,
} from '../../workflows/caseMessages';
import { auditedDecision } from '../auth/auditedDecision';
import { currentUser } from '../auth/guard';
import { schoolsFor } from '../auth/scope';
import { displayNamesOf, type User } from '../auth/users';
import type { AppContext, ZodApp } from '../context';
import { conflict, forbidden } from '../errors';
import { caseClosed, caseView, findTask, loadCaseRow, mayCompleteTask, updateCase } from '../services/cases';
import { pageQuery } from './pupils';
import { isoDate } from './schools';

const taskParams = z.object({
  caseId: z.string().min(1).max(200),
  taskId: z.string().min(1).max(200),
});

const outcomeBody = z.object({
  outcome: z
    .string({ error: 'say what came of the task: one of its outcomes, e.g. "spoke"' })
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'one of the task’s outcome ids, e.g. "spoke" or "noAnswer"'),
  note: z.string().trim().max(2000, 'a note of at most 2000 characters').optional(),
  on: isoDate.optional().describe('The school day it happened (defaults to today; never in the future)'),
});

/** One open task as the worklist shows it. */
export interface TaskListItem extends Pick<OpenCaseTask, 'caseId' | 'schoolId' | 'pupil' | 'stageName'> {
  task: CaseTask;
  /** Due before today (the school's today). */
  overdue: boolean;
  /** Who it is for, said plainly: a person's name, "Attendance team" or "Managers". */
  ownerName: string;
  /** For this user: theirs, or their team's (or the managers', for a manager). */
  mine: boolean;
  /** Whether this user may record its outcome. */
  canComplete: boolean;
}

/** GET /api/tasks. */
export interface TaskListAnswer {
  today: string;
  /** Tasks that match the filters, on every page. */
  total: number;
  /** How many of those are overdue. */
  overdue: number;
  page: number;
  pageSize: number;
  items: TaskListItem[];
}

/** POST /api/cases/:caseId/tasks/:taskId/outcome: the case accepted the outcome. */
export type TaskOutcomeAnswer = HumanEventResult;

/** A task's owner, said plainly. */
export function ownerLabel(owner: string, names: Map<string, string>): string {
  if (owner === 'team') return 'Attendance team';
  if (owner === 'manager') return 'Managers';
  return names.get(owner) ?? 'A former member of staff';
}

function isMine(user: User, owner: string): boolean {
  if (owner === user.id || owner === 'team') return user.role !== 'admin';
  return owner === 'manager' && user.role === 'manager';
}

export async function registerTaskRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const { db } = ctx;

  app.get(
    '/api/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Open tasks across the cases in your scope, soonest due first (overdue first)',
        description:
          'Work the cases made for people: calls to make (with the script and numbers), home visits, contracts, referrals, letters to post, a calendar to import. Each lists its outcome choices; record one with POST /api/cases/{caseId}/tasks/{taskId}/outcome.',
        querystring: z.object({
          schoolId: z.string().min(1).max(64).optional(),
          overdue: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional()
            .describe('Only overdue (true) or not overdue (false) tasks'),
          mine: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional()
            .describe('Only tasks for you: yours, the team’s, and the managers’ if you are one'),
          ...pageQuery,
        }),
      },
    },
    async (req): Promise<TaskListAnswer> => {
      const user = currentUser(req);
      const q = req.query;
      const today = ctx.today();
      const open = await listOpenCaseTasks(db, schoolsFor(user, q.schoolId));
      const flags = await flagViewer(db, req, user);
      const names = await displayNamesOf(
        db,
        open.map((o) => o.task.owner),
      );
      const matching = open
        .map((o): TaskListItem => ({
          caseId: o.caseId,
          schoolId: o.schoolId,
          pupil: o.pupil,
          stageName: o.stageName,
          task: o.task,
          overdue: o.task.dueOn < today,
          ownerName: ownerLabel(o.task.owner, names),
          mine: isMine(user, o.task.owner),
          canComplete: mayCompleteTask(user, o.task),
        }))
        .filter((i) => q.overdue === undefined || i.overdue === q.overdue)
        .filter((i) => !q.mine || i.mine);
      const start = (q.page - 1) * q.pageSize;
      return {
        today,
        total: matching.length,
        overdue: matching.filter((i) => i.overdue).length,
        page: q.page,
        pageSize: q.pageSize,
        items: matching.slice(start, start + q.pageSize).map((i) => ({
          ...i,
          pupil: { ...i.pupil, flags: flags.show(i.schoolId, i.pupil.id, i.pupil.flags) },
        })),
      };
    },
  );

  app.post(
    '/api/cases/:caseId/tasks/:taskId/outcome',
    {
      config: { roles: ['officer', 'manager'] },
      schema: {
        tags: ['tasks'],
        summary: 'Record what came of a task: a call made or not answered, a visit made, a contract signed…',
        description:
          'Sent to the case as the completeTask Update. A task the case made for managers needs a manager (403, before the case is asked). The case refuses an unknown or finished task, an outcome the task does not have and a day in the future: 409 with its reason. An outcome that does not finish the task (a call with no answer) is recorded as an attempt and the task stays open.',
        params: taskParams,
        body: outcomeBody,
      },
    },
    async (req): Promise<TaskOutcomeAnswer> => {
      const user = currentUser(req);
      const { caseId, taskId } = req.params;
      const b = req.body;
      const row = await loadCaseRow(db, user, caseId);
      if (row.status === 'closed') throw caseClosed();
      if ((row.view.engine ?? 1) < 2) {
        throw conflict(
          'This case runs on the first case engine, whose tasks have no outcomes to record: record what happened as an event instead.',
        );
      }
      // The read model may be a moment behind the case: ask the case when the task is not there yet.
      // When neither knows it, the case's own refusal is the answer.
      let task = findTask(row.view, taskId);
      if (!task) task = findTask((await caseView(ctx.temporal, row, ctx.caseQueryTimeoutMs)).view, taskId);
      if (task && !mayCompleteTask(user, task)) {
        throw forbidden('This task is for a manager.');
      }
      // An outcome the task does not have is refused here, in the case's own words, before anything
      // is audited as decided (the case checks it again).
      if (task?.status === 'done') throw conflict('this task is already done');
      if (task?.outcomes?.length && !task.outcomes.some((o) => o.id === b.outcome)) {
        throw conflict(
          `"${b.outcome}" is not an outcome of this task (${task.outcomes.map((o) => o.id).join(', ')})`,
        );
      }
      // A notice is requested for each parent by name, with the 3-year rules judged for each: that
      // outcome is recorded with the per-parent records, never as a bare "requested".
      if (
        task?.kind === 'penaltyNoticeConsideration' &&
        (b.outcome === 'requested' || b.outcome === 'refused')
      ) {
        throw conflict(
          `A penalty notice is requested for each parent with parental responsibility: name them (POST /api/cases/${caseId}/tasks/${taskId}/penalty-notices).`,
        );
      }
      const outcome: TaskOutcome = {
        actor: { userId: user.id, role: user.role },
        taskId,
        outcome: b.outcome,
        ...(b.on ? { on: b.on } : {}),
        ...(b.note ? { note: b.note } : {}),
      };
      // Ids and choices only: the note is the case's evidence, kept in its history.
      return auditedDecision(
        db,
        user,
        {
          action: `case.task.${b.outcome}`,
          targetType: 'case',
          targetId: row.caseId,
          schoolId: row.schoolId,
          details: {
            taskId,
            kind: task?.kind ?? null,
            stepId: task?.stepId ?? null,
            on: b.on,
            withNote: Boolean(b.note),
          },
        },
        () =>
          updateCase(db, row, () =>
            ctx.temporal.workflow.getHandle(row.caseId).executeUpdate(completeTask, { args: [outcome] }),
          ),
      );
    },
  );
}
