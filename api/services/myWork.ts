// An officer's day on one list: steps waiting for a decision, tasks the cases made for people
// (calls with their scripts, home visits, contract meetings), today's first-day calls, each with the
// pupil's figures and flags. Read from the read model and the register, never from a workflow.
//
// The default order is the one a safeguarding-minded team works in: pupils with a child-protection,
// child-in-need or looked-after flag first, then what is overdue, then by the day it is due.
import type { SchoolCalendar } from '../../domain/calendar';
import { isSafeguardingFlag, type IsoDate } from '../../domain/types';
import { listCasesAwaitingApproval, listOpenCaseTasks, type PupilOfCase } from '../../store/cases';
import type { Db } from '../../store/db';
import { assigneesOf, type TaskAssignee } from '../../store/taskAssignees';
import type { TaskOutcomeChoice } from '../../domain/stepPlan';
import type { CaseTask, CaseView } from '../../workflows/caseMessages';
import type { User } from '../auth/users';
import { buildReturnList } from './returns';
import { mayCompleteTask, mayDecide } from './cases';

export type WorkType = 'approval' | 'task' | 'firstDayCall';
export type WorkSort = 'safeguarding' | 'due' | 'stage';

interface WorkItemBase {
  /** Stable across refreshes: the list's key and the browser test's handle. */
  key: string;
  type: WorkType;
  caseId: string | null;
  schoolId: string;
  pupil: PupilOfCase;
  stageId: string | null;
  stageName: string | null;
  /** Where the stage comes in the policy (1 = first); null with no stage. */
  stageRank: number | null;
  figures: CaseView['latestFacts'];
  title: string;
  dueOn: IsoDate;
  overdue: boolean;
  /** The pupil has a safeguarding flag this user may see. */
  safeguarding: boolean;
}

export interface ApprovalWork extends WorkItemBase {
  type: 'approval';
  proposalId: string;
  stepKind: string;
  planHash: string | null;
  canDecide: boolean;
}

export interface TaskWork extends WorkItemBase {
  type: 'task';
  task: CaseTask;
  /** Whose work the case says it is: "Attendance team", "Managers" or a person. */
  ownerName: string;
  /** The person in the team doing it, if someone has picked it up. */
  assignee: TaskAssignee | null;
  canComplete: boolean;
  /** The outcome a task has when it goes to plan, for a one-click button (null: the form). */
  quickOutcome: TaskOutcomeChoice | null;
}

export interface FirstDayCallWork extends WorkItemBase {
  type: 'firstDayCall';
  sessions: string;
  contacts: string | null;
}

export type WorkItem = ApprovalWork | TaskWork | FirstDayCallWork;

export interface WorkFilter {
  type?: WorkType;
  stageId?: string;
  overdue?: boolean;
  /** Only what is this user's to do: steps they may decide, tasks given to them or their team. */
  mine?: boolean;
  sort: WorkSort;
}

/**
 * Tasks whose outcome is a decision with consequences for the family (a penalty notice, a contract,
 * a referral to the council): recorded with the full form, with a note, never in one click.
 */
const CONSIDERED_TASKS = new Set([
  'penaltyNoticeConsideration',
  'attendanceContract',
  'referral',
  'statutoryInterventionRequest',
  'councilNotification',
]);

/** The outcome of a task that went to plan: one click, when there is one clear, everyday answer. */
export function quickOutcomeOf(task: CaseTask): TaskOutcomeChoice | null {
  if (CONSIDERED_TASKS.has(task.kind)) return null;
  return task.outcomes.find((o) => o.completesStep) ?? null;
}

interface Deps {
  db: Db;
  user: User;
  schoolIds: string[] | null;
  today: IsoDate;
  calendars: Map<string, SchoolCalendar | null>;
  isOverdue: (p: CaseView['pending'][number], calendar: SchoolCalendar | null) => boolean;
  ownerName: (owner: string) => string;
  /**
   * Whether this user may see safeguarding flags in a school. The list is sorted and counted by what
   * the user may see; the route then shows (and audits) the flags of the page it sends only.
   */
  seesFlags: (schoolId: string) => boolean;
  /** The officers and managers of each school: a task owned by anyone else is the team's. */
  activeStaff: Set<string>;
}

export async function buildWorkList(d: Deps, filter: WorkFilter): Promise<WorkItem[]> {
  const { db, user, schoolIds, today } = d;
  const ranks = await stageRanks(db, schoolIds);
  const pupilOf = (schoolId: string, p: PupilOfCase): PupilOfCase => ({
    ...p,
    flags: d.seesFlags(schoolId) ? p.flags : p.flags.filter((f) => !isSafeguardingFlag(f)),
  });
  const items: WorkItem[] = [];
  const want = (t: WorkType) => !filter.type || filter.type === t;

  if (want('approval')) {
    for (const r of await listCasesAwaitingApproval(db, schoolIds)) {
      const pupil = pupilOf(r.schoolId, r.pupil);
      for (const p of r.view.pending ?? []) {
        items.push({
          key: `approval:${r.caseId}:${p.proposalId}`,
          type: 'approval',
          caseId: r.caseId,
          schoolId: r.schoolId,
          pupil,
          stageId: r.view.stageId,
          stageName: r.stageName,
          stageRank: ranks.get(r.caseId) ?? null,
          figures: r.view.latestFacts,
          title: p.step.title,
          dueOn: p.proposedOn,
          overdue: d.isOverdue(p, d.calendars.get(r.schoolId) ?? null),
          safeguarding: pupil.flags.some(isSafeguardingFlag),
          proposalId: p.proposalId,
          stepKind: p.step.kind,
          planHash: p.plan?.hash ?? null,
          canDecide: mayDecide(user, p),
        });
      }
    }
  }

  if (want('task')) {
    const assignees = await assigneesOf(db, schoolIds);
    for (const o of await listOpenCaseTasks(db, schoolIds)) {
      const pupil = pupilOf(o.schoolId, o.pupil);
      // Calendar tasks share one id across a school's cases: the case makes the key unique.
      items.push({
        key: `task:${o.caseId}:${o.task.taskId}`,
        type: 'task',
        caseId: o.caseId,
        schoolId: o.schoolId,
        pupil,
        stageId: o.stageId,
        stageName: o.stageName,
        stageRank: ranks.get(o.caseId) ?? null,
        figures: o.latestFacts,
        title: o.task.title,
        dueOn: o.task.dueOn,
        overdue: o.task.dueOn < today,
        safeguarding: pupil.flags.some(isSafeguardingFlag),
        task: o.task,
        ownerName: d.ownerName(o.task.owner),
        assignee: assignees.get(`${o.caseId}:${o.task.taskId}`) ?? null,
        canComplete: mayCompleteTask(user, o.task),
        quickOutcome: quickOutcomeOf(o.task),
      });
    }
  }

  if (want('firstDayCall') && !filter.stageId) items.push(...(await firstDayCalls(d, pupilOf)));

  return items
    .filter((i) => !filter.stageId || i.stageId === filter.stageId)
    .filter((i) => filter.overdue === undefined || i.overdue === filter.overdue)
    .filter((i) => !filter.mine || isMine(user, i, d.activeStaff))
    .sort(comparator(filter.sort));
}

/**
 * Whether an item is this user's to do. A task whose owner is no longer on the school's staff (a
 * leaver, the demo's replayed team) is the team's, so it never drops off everyone's list.
 */
function isMine(user: User, i: WorkItem, activeStaff: Set<string>): boolean {
  if (i.type === 'approval') return i.canDecide;
  if (i.type === 'firstDayCall') return user.role === 'officer' || user.role === 'manager';
  if (i.assignee) return i.assignee.userId === user.id;
  if (!i.canComplete) return false;
  const owner = i.task.owner;
  return owner === 'team' || owner === user.id || owner === 'manager' || !activeStaff.has(owner);
}

const byDue = (a: WorkItem, b: WorkItem) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0);
const byKey = (a: WorkItem, b: WorkItem) => a.key.localeCompare(b.key);
const byStageDesc = (a: WorkItem, b: WorkItem) => (b.stageRank ?? 0) - (a.stageRank ?? 0);

function comparator(sort: WorkSort): (a: WorkItem, b: WorkItem) => number {
  return (a, b) => {
    if (sort === 'safeguarding') {
      if (a.safeguarding !== b.safeguarding) return a.safeguarding ? -1 : 1;
      if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
      return byDue(a, b) || byKey(a, b);
    }
    // The furthest-on cases first: they are nearest the council.
    if (sort === 'stage') return byStageDesc(a, b) || byDue(a, b) || byKey(a, b);
    return byDue(a, b) || byKey(a, b);
  };
}

/** Each case's stage's place in its policy, for sorting by stage. */
async function stageRanks(db: Db, schoolIds: string[] | null): Promise<Map<string, number | null>> {
  const { rows } = await db.query<{ case_id: string; stage_rank: number | null }>(
    `SELECT case_id, stage_rank FROM cases
     WHERE ($1::text[] IS NULL OR school_id = ANY($1::text[])) AND status <> 'closed'`,
    [schoolIds],
  );
  return new Map(rows.map((r) => [r.case_id, r.stage_rank]));
}

/** Today's unexplained absences with no call recorded yet, from the first-day calls list. */
async function firstDayCalls(
  d: Deps,
  pupilOf: (schoolId: string, p: PupilOfCase) => PupilOfCase,
): Promise<FirstDayCallWork[]> {
  const out: FirstDayCallWork[] = [];
  for (const [schoolId, calendar] of d.calendars) {
    if (!calendar?.isSchoolDay(d.today)) continue;
    const list = await buildReturnList(d.db, 'first-day-calls', schoolId, d.today);
    const waiting = (list?.rows ?? []).filter((row) => !row.cells.outcome);
    if (waiting.length === 0) continue;
    const { rows } = await d.db.query<{
      id: string;
      given_name: string;
      family_name: string;
      year_group: number | null;
      flags: string[] | null;
    }>(
      'SELECT id::text AS id, given_name, family_name, year_group, flags FROM pupils WHERE id = ANY($1::uuid[])',
      [waiting.map((r) => r.pupilId)],
    );
    const pupils = new Map(rows.map((p) => [p.id, p]));
    for (const row of waiting) {
      const p = pupils.get(row.pupilId);
      if (!p) continue;
      const pupil = pupilOf(schoolId, {
        id: row.pupilId,
        givenName: p.given_name,
        familyName: p.family_name,
        yearGroup: p.year_group,
        flags: p.flags ?? [],
      });
      out.push({
        key: `call:${row.pupilId}:${d.today}`,
        type: 'firstDayCall',
        caseId: null,
        schoolId,
        pupil,
        stageId: null,
        stageName: null,
        stageRank: null,
        figures: null,
        title: 'First-day call: absent today with no reason given',
        dueOn: d.today,
        overdue: false,
        safeguarding: pupil.flags.some(isSafeguardingFlag),
        sessions: String(row.cells.sessions ?? ''),
        contacts: row.cells.contacts === null ? null : String(row.cells.contacts),
      });
    }
  }
  return out;
}
