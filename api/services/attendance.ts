// Attendance figures for charts: per school week of the academic year, the week's own attendance %,
// the rolling 10 school weeks ending that week (the window policies judge) and the year to date.
// Computed from the pupil's marks with domain/stats, so a re-coded N changes the chart at once.
import { academicYearStart, type SchoolCalendar } from '../../domain/calendar';
import type { MarkGrid } from '../../domain/marks';
import { computeWindowStats } from '../../domain/stats';
import type { IsoDate, WindowStats } from '../../domain/types';
import { stageBand } from '../../domain/policy/decide';
import type { Policy } from '../../domain/policy/schema';

export interface WeekPoint {
  /** Monday of the school week. */
  weekStart: IsoDate;
  from: IsoDate;
  to: IsoDate;
  possible: number;
  /** That week alone. */
  attendancePct: number | null;
  /** The rolling 10 school weeks ending that week. */
  rolling10Pct: number | null;
  /** The school year to the end of that week. */
  ytdPct: number | null;
  unauthorised: number;
  lates: number;
}

export interface Threshold {
  value: number;
  label: string;
  kind: 'national' | 'policy';
}

export interface PupilBounds {
  startDate?: IsoDate | null;
  leftOn?: IsoDate | null;
}

export function weeklySeries(
  grid: MarkGrid,
  calendar: SchoolCalendar,
  asOf: IsoDate,
  pupil: PupilBounds = {},
): WeekPoint[] {
  const ix = calendar.index;
  const yearStart = academicYearStart(asOf);
  const out: WeekPoint[] = [];
  const opts = { startDate: pupil.startDate ?? null, leftOn: pupil.leftOn ?? null };
  for (let w = 0; w < ix.weekFirstDay.length; w++) {
    const first = ix.weekFirstDay[w]!;
    const last = (w + 1 < ix.weekFirstDay.length ? ix.weekFirstDay[w + 1]! : ix.days.length) - 1;
    const from = ix.iso[first]!;
    let to = ix.iso[last]!;
    if (from < yearStart) continue;
    if (from > asOf) break;
    if (to > asOf) to = asOf;
    const week = computeWindowStats(grid, calendar, from, to, 'custom', opts);
    const rolling = calendar.schoolWeeksEndingOn(to, 10);
    const r10 = computeWindowStats(grid, calendar, rolling.from, to, 'custom', opts);
    const ytd = computeWindowStats(grid, calendar, yearStart, to, 'custom', opts);
    out.push({
      weekStart: mondayOf(from),
      from,
      to,
      possible: week.possible,
      attendancePct: week.attendancePct,
      rolling10Pct: r10.attendancePct,
      ytdPct: ytd.attendancePct,
      unauthorised: week.unauthorised,
      lates: week.lateBeforeClose,
    });
  }
  return out;
}

function mondayOf(date: IsoDate): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  const wd = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - wd);
  return d.toISOString().slice(0, 10);
}

/** The lines drawn on attendance charts: the national measures and each stage's band edge. */
export function thresholdsFor(policy: Policy | null): Threshold[] {
  const lines: Threshold[] = [
    { value: 90, label: 'Persistent absence: 90% or below', kind: 'national' },
    { value: 50, label: 'Severe absence: 50% or below', kind: 'national' },
  ];
  if (!policy) return lines;
  for (const stage of policy.stages) {
    let band = null;
    try {
      band = stageBand(policy, stage);
    } catch {
      band = null;
    }
    if (!band || band.hi >= 100) continue;
    const label = `${stage.name}: ${band.hiInc ? `${band.hi}% or below` : `below ${band.hi}%`}`;
    const same = lines.find((l) => l.value === band!.hi && l.kind === 'policy');
    if (same) same.label += `; ${stage.name}`;
    else lines.push({ value: band.hi, label, kind: 'policy' });
  }
  return lines.sort((a, b) => b.value - a.value);
}

export function summarise(s: WindowStats) {
  return {
    from: s.from,
    to: s.to,
    schoolWeeks: s.schoolWeeks,
    possible: s.possible,
    attendancePct: s.attendancePct,
    absencePct: s.absencePct,
    authorised: s.authorised,
    unauthorised: s.unauthorised,
    unexplained: s.unexplained,
    lates: s.lateBeforeClose,
    lateAfterClose: s.lateAfterClose,
    daysMissed: s.daysMissed,
    lessonsMissed: s.lessonsMissed,
    persistentAbsence: s.persistentAbsence,
    severeAbsence: s.severeAbsence,
  };
}
