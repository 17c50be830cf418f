// "Workload ahead": the work the cases have already put in the diary for the next school weeks, so
// a senior lead can see a heavy week coming and move people before it arrives.
//
// - Tasks: the open tasks of active cases (the read model, as the Tasks page lists them), by the
//   school week of their due day and their kind (phone calls, home visits, letters to post...).
// - Meetings: meetings with families still booked (the meetings table), by the school week of their
//   day. Home visits are counted once, as the task of recording them, which is due on the visit day.
// - A week is a school week of the calendar (holiday weeks are not weeks of work): work due in a
//   holiday falls into the next school week, and work already past its day is counted apart, as
//   overdue, not spread over the weeks ahead.
import { addDays, fromDayNumber, toDayNumber, type SchoolCalendar } from '../../../domain/calendar';
import type { IsoDate } from '../../../domain/types';
import { countBookedMeetingsByDay } from '../../../store/caseServices';
import type { OpenCaseTask } from '../../../store/cases';
import type { Db } from '../../../store/db';
import { kindLabel } from './labels';

export const WORKLOAD_WEEKS = 6;

export interface WorkloadSeries {
  /** `meeting`, or `task:<kind>`. */
  key: string;
  label: string;
  type: 'task' | 'meeting';
}

export interface WorkloadWeek {
  /** Monday of the school week. */
  weekStart: IsoDate;
  /** The days it counts (the first from today for the week under way). */
  from: IsoDate;
  to: IsoDate;
  /** Per series key. */
  counts: Record<string, number>;
  total: number;
}

export interface DashboardWorkload {
  weeks: WorkloadWeek[];
  series: WorkloadSeries[];
  /** Open tasks already past their due day. */
  overdueTasks: number;
  rule: string;
}

export async function workloadAhead(
  db: Db,
  schoolId: string,
  calendar: SchoolCalendar,
  today: IsoDate,
  timeZone: string,
  openTasks: OpenCaseTask[],
  weeksAhead = WORKLOAD_WEEKS,
): Promise<DashboardWorkload> {
  const ix = calendar.index;
  // The school week holding today, or the next one when today is in a holiday.
  const first = ix.lowerBound(toDayNumber(today));
  const weeks: WorkloadWeek[] = [];
  if (first < ix.days.length) {
    const w0 = ix.weekOf[first]!;
    for (let w = w0; w < Math.min(w0 + weeksAhead, ix.weekMondays.length); w++) {
      const monday = fromDayNumber(ix.weekMondays[w]!);
      // Each week gathers everything due from the day after the previous school week to its Sunday.
      const from = w === w0 ? today : addDays(fromDayNumber(ix.weekMondays[w - 1]!), 7);
      weeks.push({ weekStart: monday, from, to: addDays(monday, 6), counts: {}, total: 0 });
    }
  }
  const weekOf = (day: IsoDate) => weeks.find((w) => w.from <= day && day <= w.to);
  const seen = new Map<string, WorkloadSeries>();
  const count = (day: IsoDate, s: WorkloadSeries, n: number) => {
    const w = weekOf(day);
    if (!w) return;
    seen.set(s.key, s);
    w.counts[s.key] = (w.counts[s.key] ?? 0) + n;
    w.total += n;
  };

  let overdueTasks = 0;
  for (const t of openTasks) {
    if (t.task.dueOn < today) {
      overdueTasks++;
      continue;
    }
    count(t.task.dueOn, { key: `task:${t.task.kind}`, label: kindLabel(t.task.kind), type: 'task' }, 1);
  }
  if (weeks.length > 0) {
    for (const m of await countBookedMeetingsByDay(db, schoolId, today, weeks.at(-1)!.to, timeZone)) {
      if (m.kind !== 'meeting') continue; // home visits: counted as their tasks
      count(m.day, { key: 'meeting', label: 'Meetings with families', type: 'meeting' }, m.n);
    }
  }
  const series = [...seen.values()].sort((a, b) =>
    a.type === b.type ? a.label.localeCompare(b.label) : a.type === 'meeting' ? -1 : 1,
  );
  return {
    weeks,
    series,
    overdueTasks,
    rule: `Open tasks of active cases by the school week they are due in, and meetings with families booked, for the next ${weeksAhead} school weeks (work due in a holiday falls in the next school week). Home visits are counted once, as the task of recording them on the visit day. Tasks already past their day are counted as overdue.`,
  };
}
