// "Needs attention today": a short list of pupils someone should act on today, and why.
//
// Reasons, each from the store or the read model (never a workflow):
// - absentToday: a mark of N (no reason yet) today; when the pupil attended the school day before,
//   it is the first day of absence, the day schools are asked to ring home;
// - overdueTask: a task the case made (a call, a visit, a letter to post) past its due day;
// - approvalOverdue / approvalWaiting: a step waiting for a decision (overdue: more than 2 school
//   days, or escalated by the case, as on the Approvals page);
// - actionDue: an open case whose next action falls today or earlier;
// - nowPersistent: year to date, the pupil became persistently absent this week (not at the end of
//   last school week, and at least 30 possible sessions this year, so one day off in September
//   does not count).
// Short on purpose: at most ATTENTION_LIMIT pupils, the most urgent first. Safeguarding-flagged
// pupils come first, but only for people who may see those flags (api/auth/safeguarding.ts): for
// anyone else the order must not give them away, and their flags are left out as on every page.
import type { SchoolCalendar } from '../../../domain/calendar';
import { percent1 } from '../../../domain/percent';
import { isAttendanceClass, lookupCode } from '../../../domain/registerCodes';
import { isSafeguardingFlag, type IsoDate } from '../../../domain/types';
import { listCasesAwaitingApproval, listCasesWithActionDue, type OpenCaseTask } from '../../../store/cases';
import type { Db } from '../../../store/db';
import type { FlagViewer } from '../../auth/safeguarding';
import { isOverdue } from '../../routes/approvals';
import type { RollFigures } from './roll';

export const ATTENTION_LIMIT = 15;
/** Possible sessions before "became persistently absent" means anything (3 school weeks). */
const MIN_POSSIBLE_FOR_PERSISTENT = 30;

export type AttentionKind =
  'absentToday' | 'overdueTask' | 'approvalOverdue' | 'approvalWaiting' | 'actionDue' | 'nowPersistent';

/** How pressing each reason is: the list is sorted by the most pressing reason a pupil has. */
const WEIGHT: Record<AttentionKind, number> = {
  absentToday: 5,
  overdueTask: 4,
  approvalOverdue: 4,
  actionDue: 3,
  nowPersistent: 3,
  approvalWaiting: 1,
};

export interface AttentionReason {
  kind: AttentionKind;
  /** A few words: "Absent today, no reason given". */
  label: string;
  /** What it is about: the step, the task, the figure. */
  detail: string;
  /** The day it refers to (proposed on, due on, next action on), if any. */
  on: IsoDate | null;
}

export interface AttentionItem {
  pupilId: string;
  givenName: string;
  familyName: string;
  yearGroup: number | null;
  /** The pupil's flags as this person may see them. */
  flags: string[];
  /** The open case to go to, if there is one (else the pupil's page). */
  caseId: string | null;
  stageName: string | null;
  reasons: AttentionReason[];
}

export interface DashboardAttention {
  today: IsoDate;
  /** Pupils with at least one reason (the list shows the first ATTENTION_LIMIT). */
  total: number;
  items: AttentionItem[];
  rules: string;
}

interface Candidate {
  pupilId: string;
  givenName: string;
  familyName: string;
  yearGroup: number | null;
  flags: string[];
  caseId: string | null;
  stageName: string | null;
  reasons: AttentionReason[];
}

export async function needsAttention(
  db: Db,
  schoolId: string,
  today: IsoDate,
  roll: RollFigures,
  openCaseByPupil: ReadonlyMap<string, string>,
  viewer: FlagViewer,
  openTasks: OpenCaseTask[],
): Promise<DashboardAttention> {
  const byPupil = new Map<string, Candidate>();
  const pupilIndex = new Map(roll.snapshot.pupils.map((p, i) => [p.id, i]));
  const candidate = (p: {
    id: string;
    givenName: string;
    familyName: string;
    yearGroup: number | null;
    flags: readonly string[];
  }): Candidate => {
    let c = byPupil.get(p.id);
    if (!c) {
      c = {
        pupilId: p.id,
        givenName: p.givenName,
        familyName: p.familyName,
        yearGroup: p.yearGroup,
        flags: [...p.flags],
        caseId: openCaseByPupil.get(p.id) ?? null,
        stageName: null,
        reasons: [],
      };
      byPupil.set(p.id, c);
    }
    return c;
  };

  // From the marks: absent today with no reason yet, and newly persistently absent.
  const calendar: SchoolCalendar = roll.calendar;
  const schoolDayToday = calendar.isSchoolDay(today);
  const previousDay = schoolDayToday ? calendar.previousSchoolDay(today) : null;
  roll.snapshot.pupils.forEach((p, i) => {
    if (p.leftOn && p.leftOn < today) return;
    if (schoolDayToday && (!p.startDate || p.startDate <= today)) {
      const grid = roll.snapshot.grids.get(p.id)!;
      const am = grid.get(today, 'AM');
      const pm = grid.get(today, 'PM');
      if (am === 'N' || pm === 'N') {
        const attendedBefore =
          previousDay !== null && [grid.get(previousDay, 'AM'), grid.get(previousDay, 'PM')].some(attended);
        candidate(p).reasons.push({
          kind: 'absentToday',
          label: attendedBefore ? 'First day of absence, no reason given' : 'Absent today, no reason given',
          detail: `marked N ${am === 'N' && pm === 'N' ? 'both sessions' : am === 'N' ? 'this morning' : 'this afternoon'}`,
          on: today,
        });
      }
    }
    if (
      roll.persistentNow[i] === 1 &&
      roll.persistentBefore[i] === 0 &&
      roll.ytdPossible[i]! >= MIN_POSSIBLE_FOR_PERSISTENT
    ) {
      const pct = percent1(roll.ytdAttended[i]!, roll.ytdPossible[i]!);
      candidate(p).reasons.push({
        kind: 'nowPersistent',
        label: 'Became persistently absent this week',
        detail: `${pct}% attendance this year`,
        on: null,
      });
    }
  });

  // From the read model: approvals, overdue tasks, next actions due.
  for (const c of await listCasesAwaitingApproval(db, [schoolId])) {
    const who = candidate(c.pupil);
    who.caseId = c.caseId;
    who.stageName = c.stageName;
    for (const p of c.view.pending ?? []) {
      const overdue = isOverdue(p, calendar, today);
      who.reasons.push({
        kind: overdue ? 'approvalOverdue' : 'approvalWaiting',
        label: overdue ? 'Approval overdue' : 'Waiting for approval',
        detail: p.step.title,
        on: p.proposedOn,
      });
    }
  }
  for (const t of openTasks) {
    if (t.task.dueOn >= today) continue;
    const who = candidate(t.pupil);
    who.caseId = t.caseId;
    who.stageName = t.stageName;
    who.reasons.push({ kind: 'overdueTask', label: 'Task overdue', detail: t.task.title, on: t.task.dueOn });
  }
  for (const c of await listCasesWithActionDue(db, schoolId, today)) {
    const who = candidate(c.pupil);
    who.caseId = c.caseId;
    who.stageName = c.stageName;
    who.reasons.push({
      kind: 'actionDue',
      label: c.nextActionOn < today ? 'Next step overdue' : 'Next step due today',
      detail: c.nextAction ?? 'the case’s next action',
      on: c.nextActionOn,
    });
  }

  // The order: safeguarding first (only for those who see it), then the most pressing reason.
  const sees = viewer.sees(schoolId);
  const score = (c: Candidate) => Math.max(...c.reasons.map((r) => WEIGHT[r.kind]));
  const flagged = (c: Candidate) => (sees && c.flags.some(isSafeguardingFlag) ? 1 : 0);
  const all = [...byPupil.values()].filter((c) => c.reasons.length > 0);
  all.sort(
    (a, b) =>
      flagged(b) - flagged(a) ||
      score(b) - score(a) ||
      b.reasons.length - a.reasons.length ||
      a.familyName.localeCompare(b.familyName) ||
      a.givenName.localeCompare(b.givenName) ||
      (pupilIndex.get(a.pupilId) ?? 0) - (pupilIndex.get(b.pupilId) ?? 0),
  );
  const items = all.slice(0, ATTENTION_LIMIT).map((c) => ({
    ...c,
    // Only the pupils shown are passed through the viewer, so only they are recorded as seen.
    flags: viewer.show(schoolId, c.pupilId, c.flags),
    reasons: [...c.reasons].sort((x, y) => WEIGHT[y.kind] - WEIGHT[x.kind]),
  }));
  return {
    today,
    total: all.length,
    items,
    rules: `Pupils with a reason to act today: absent with no reason given (N) today; a task past its due day; a step waiting for approval (overdue after 2 school days); an open case whose next step is due; newly persistently absent this week (year to date, after ${MIN_POSSIBLE_FOR_PERSISTENT} possible sessions). The ${ATTENTION_LIMIT} most pressing are shown${sees ? ', safeguarding-flagged pupils first' : ''}.`,
  };
}

/** A code that means the pupil was in school or at an approved activity (domain/registerCodes). */
function attended(code: string | null): boolean {
  const cls = code === null ? undefined : lookupCode(code)?.cls;
  return cls !== undefined && isAttendanceClass(cls);
}
