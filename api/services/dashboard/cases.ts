// Where the school's cases stand, for the dashboard's first tiles and charts: cases by stage and
// status, approvals waiting (and overdue: more than 2 school days, or escalated by the case, as on
// the Approvals page), the tasks the cases made, letters dated this week, and the stage changes of
// the last weeks from `case_events`. From the read model only.
import { addDays, buildCalendar } from '../../../domain/calendar';
import type { IsoDate } from '../../../domain/types';
import { countLettersWritten } from '../../../store/caseServices';
import {
  countCasesByStage,
  countCasesByStatus,
  countStageChangesByWeek,
  type OpenCaseTask,
  listPendingProposals,
  listStagesSeen,
} from '../../../store/cases';
import type { Db } from '../../../store/db';
import { getSchool } from '../../../store/schools';
import { isOverdue } from '../../routes/approvals';
import { mondayOf } from './mail';

/** The dashboard's tasks tile. */
export interface DashboardTasks {
  /** Open tasks on the school's active cases. */
  open: number;
  /** Of those, due before today. */
  overdue: number;
  /** Of those, the ones the case made for managers. */
  forManagers: number;
}

export interface DashboardCases {
  cases: {
    open: number;
    paused: number;
    closed: number;
    closedThisWeek: number;
    byStage: {
      stageId: string | null;
      stageName: string;
      rank: number | null;
      open: number;
      paused: number;
    }[];
  };
  approvals: {
    waiting: number;
    overdue: number;
    forManagers: number;
    oldestProposedOn: IsoDate | null;
    overdueRule: string;
  };
  tasks: DashboardTasks;
  /** Letters dated this week (Monday to Sunday); how each went out is in `mail`. */
  letters: { thisWeek: number; casesWritten: number; weekStart: IsoDate };
  stageChanges: {
    stages: { id: string; name: string; rank: number | null }[];
    weeks: {
      weekStart: IsoDate;
      opened: number;
      escalatedOrChanged: number;
      closed: number;
      enteredStage: Record<string, number>;
    }[];
  };
}

/** `weeks`: how many weeks of stage changes, ending with this one. */
export async function caseFigures(
  db: Db,
  schoolId: string,
  today: IsoDate,
  weeks: number,
  openTasks: OpenCaseTask[],
): Promise<DashboardCases> {
  const stageMap = new Map<string, DashboardCases['cases']['byStage'][number]>();
  for (const r of await countCasesByStage(db, schoolId)) {
    const key = r.stageId ?? '';
    const s = stageMap.get(key) ?? {
      stageId: r.stageId,
      stageName: r.stageName ?? 'No stage',
      rank: r.stageRank,
      open: 0,
      paused: 0,
    };
    if (r.status === 'paused') s.paused += r.n;
    else s.open += r.n;
    stageMap.set(key, s);
  }
  const weekStart = mondayOf(today);
  const totals = await countCasesByStatus(db, schoolId, weekStart);

  const school = await getSchool(db, schoolId);
  const calendar = school ? buildCalendar(school.calendar) : null;
  const approvals = { waiting: 0, overdue: 0, forManagers: 0, oldest: null as string | null };
  for (const p of await listPendingProposals(db, schoolId)) {
    approvals.waiting++;
    if (p.approver === 'manager') approvals.forManagers++;
    if (isOverdue(p, calendar, today)) approvals.overdue++;
    if (!approvals.oldest || p.proposedOn < approvals.oldest) approvals.oldest = p.proposedOn;
  }

  // Work for people the cases made: open, overdue (due before today) and the managers' own.
  const letters = await countLettersWritten(db, schoolId, weekStart, addDays(weekStart, 6));

  const since = addDays(weekStart, -7 * (weeks - 1));
  const weekRows: DashboardCases['stageChanges']['weeks'] = [];
  for (let i = 0; i < weeks; i++) {
    weekRows.push({
      weekStart: addDays(since, 7 * i),
      opened: 0,
      escalatedOrChanged: 0,
      closed: 0,
      enteredStage: {},
    });
  }
  for (const c of await countStageChangesByWeek(db, schoolId, since)) {
    const w = weekRows.find((x) => x.weekStart === c.week);
    if (!w) continue;
    if (c.type === 'opened') w.opened += c.n;
    if (c.type === 'stageChanged') w.escalatedOrChanged += c.n;
    if (c.type === 'closed') w.closed += c.n;
    if (c.type !== 'closed' && c.stageId) w.enteredStage[c.stageId] = (w.enteredStage[c.stageId] ?? 0) + c.n;
  }

  return {
    cases: {
      open: totals.open,
      paused: totals.paused,
      closed: totals.closed,
      closedThisWeek: totals.closedSince,
      byStage: [...stageMap.values()].sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99)),
    },
    approvals: {
      waiting: approvals.waiting,
      overdue: approvals.overdue,
      forManagers: approvals.forManagers,
      oldestProposedOn: approvals.oldest,
      overdueRule: 'Waiting more than 2 school days, or escalated by the case',
    },
    tasks: {
      open: openTasks.length,
      overdue: openTasks.filter((t) => t.task.dueOn < today).length,
      forManagers: openTasks.filter((t) => t.task.owner === 'manager').length,
    },
    letters: { thisWeek: letters.letters, casesWritten: letters.cases, weekStart },
    stageChanges: {
      stages: (await listStagesSeen(db, schoolId)).map((s) => ({
        id: s.stageId,
        name: s.stageName ?? s.stageId,
        rank: s.stageRank,
      })),
      weeks: weekRows,
    },
  };
}
