// The roll's figures for the dashboard, from one pass over each pupil's marks.
//
// Why one pass: the trend needs the year to date as at the end of every school week so far, the
// breakdowns the year to date now, and "did interventions work?" each pupil's attendance week by
// week. domain/stats plans all of those windows once (prepareWindows) and gets each from the running
// totals of a single scan per pupil, so 600 pupils over two school years take a few tens of
// milliseconds, and every figure is computed by the same code as every other figure in the product
// (docs/attendance-maths.md): possible sessions, attendance, and persistent absence as absence of
// 10% or more of the pupil's own possible sessions.
import { academicYearStart, fromDayNumber, toDayNumber, type SchoolCalendar } from '../../../domain/calendar';
import { percent1 } from '../../../domain/percent';
import {
  evaluatePupil,
  evaluateWindowTotals,
  newWindowTotals,
  prepareEvaluation,
  prepareWindows,
} from '../../../domain/stats';
import type { IsoDate } from '../../../domain/types';
import type { Db } from '../../../store/db';
import { loadSchoolSnapshot, type SchoolSnapshot } from '../../../store/marks';
import type { Pupil } from '../../../store/pupils';

/** How far back the weekly figures go (interventions look at the weeks around each step). */
const MAX_WEEKS_BACK = 120;

/** The existing "Absence across the roll" figures (year to date and the rolling 10 weeks). */
export interface AbsenceRates {
  asOf: IsoDate;
  pupils: number;
  ytd: WindowRates;
  rolling10: WindowRates;
}

interface WindowRates {
  from: IsoDate;
  to: IsoDate;
  persistent: number;
  severe: number;
  persistentPct: number | null;
  severePct: number | null;
  attendancePct: number | null;
}

/** One school week of the calendar, as the weekly figures index it. */
export interface SchoolWeek {
  /** The calendar's school-week index. */
  index: number;
  /** Monday of the week. */
  weekStart: IsoDate;
  /** Its first and last school day (the last cut at asOf). */
  from: IsoDate;
  to: IsoDate;
  /** Whether every school day of the week is on or before asOf. */
  complete: boolean;
}

/** One point of the school's trend: the year to date as at the end of a school week. */
export interface TrendTotals {
  week: SchoolWeek;
  /** Pupils with at least one possible session in the year to that week. */
  pupils: number;
  persistent: number;
  attended: number;
  possible: number;
}

export interface RollFigures {
  snapshot: SchoolSnapshot;
  calendar: SchoolCalendar;
  /** The figures are as at this day (today, kept within the calendar). */
  asOf: IsoDate;
  yearStart: IsoDate;
  absence: AbsenceRates;
  /** Every school week from up to MAX_WEEKS_BACK back to the week holding asOf, oldest first. */
  weeks: SchoolWeek[];
  /** Per pupil (snapshot order) and week: sessions attended (present or approved activity), and possible. */
  weekAttended: Int32Array;
  weekPossible: Int32Array;
  /** The school weeks of asOf's academic year so far, with the year to date at each week's end. */
  trend: TrendTotals[];
  /** Per pupil (snapshot order), the year to date as at asOf. */
  ytdAttended: Int32Array;
  ytdPossible: Int32Array;
  /** 1 when persistently absent (year to date) as at asOf / as at the end of the previous school week. */
  persistentNow: Uint8Array;
  persistentBefore: Uint8Array;
}

const pct = percent1;

/** The day the figures are as at: today, kept within the calendar's first and last school day. */
export function asOfWithin(calendar: SchoolCalendar, today: IsoDate): IsoDate {
  if (today > calendar.lastSchoolDay) return calendar.lastSchoolDay;
  if (today < calendar.firstSchoolDay) return calendar.firstSchoolDay;
  return today;
}

/** The school weeks up to the one holding asOf (at most MAX_WEEKS_BACK), each cut at asOf. */
function schoolWeeks(calendar: SchoolCalendar, asOf: IsoDate): SchoolWeek[] {
  const ix = calendar.index;
  const last = ix.upperBound(toDayNumber(asOf)) - 1;
  if (last < 0) return [];
  const lastWeek = ix.weekOf[last]!;
  const out: SchoolWeek[] = [];
  for (let w = Math.max(0, lastWeek - MAX_WEEKS_BACK + 1); w <= lastWeek; w++) {
    const first = ix.weekFirstDay[w]!;
    const end = (w + 1 < ix.weekFirstDay.length ? ix.weekFirstDay[w + 1]! : ix.days.length) - 1;
    const cut = Math.min(end, last);
    out.push({
      index: w,
      weekStart: fromDayNumber(ix.weekMondays[w]!),
      from: ix.iso[first]!,
      to: ix.iso[cut]!,
      complete: cut === end,
    });
  }
  return out;
}

export function pupilInput(p: Pupil) {
  return {
    pupilId: p.id,
    upn: p.upn,
    yearGroup: p.yearGroup,
    flags: p.flags,
    startDate: p.startDate,
    leftOn: p.leftOn,
  };
}

/** Everything above for one school, or null for a school the store does not hold. */
export async function computeRollFigures(
  db: Db,
  schoolId: string,
  today: IsoDate,
): Promise<RollFigures | null> {
  const snap = await loadSchoolSnapshot(db, schoolId);
  if (!snap) return null;
  const calendar = snap.calendar;
  const asOf = asOfWithin(calendar, today);
  const yearStart = academicYearStart(asOf);

  // The existing tiles: year to date and the rolling 10 weeks, each pupil's own possible sessions.
  const prepared = prepareEvaluation(calendar, asOf);
  const acc = {
    ytd: { n: 0, p: 0, s: 0, att: 0, poss: 0 },
    r10: { n: 0, p: 0, s: 0, att: 0, poss: 0 },
  };

  // The weekly windows, then the year to date at the end of each school week of this year.
  const weeks = schoolWeeks(calendar, asOf);
  const trendWeeks = weeks.filter((w) => w.from >= yearStart);
  const windows = [
    ...weeks.map((w) => ({ from: w.from, to: w.to })),
    ...trendWeeks.map((w) => ({ from: yearStart, to: w.to })),
  ];
  const plan = prepareWindows(calendar, windows);
  const totals = newWindowTotals(plan);
  const W = weeks.length;
  const T = trendWeeks.length;
  const n = snap.pupils.length;
  const weekAttended = new Int32Array(n * W);
  const weekPossible = new Int32Array(n * W);
  const ytdAttended = new Int32Array(n);
  const ytdPossible = new Int32Array(n);
  const persistentNow = new Uint8Array(n);
  const persistentBefore = new Uint8Array(n);
  const trend: TrendTotals[] = trendWeeks.map((week) => ({
    week,
    pupils: 0,
    persistent: 0,
    attended: 0,
    possible: 0,
  }));

  snap.pupils.forEach((pupil, i) => {
    const grid = snap.grids.get(pupil.id)!;
    const f = evaluatePupil(prepared, pupilInput(pupil), grid);
    for (const [k, w] of [
      ['ytd', f.windows.ytd],
      ['r10', f.windows.rolling10],
    ] as const) {
      if (w.possible === 0) continue;
      const a = acc[k];
      a.n++;
      if (w.persistentAbsence) a.p++;
      if (w.severeAbsence) a.s++;
      a.att += w.present + w.approvedActivity;
      a.poss += w.possible;
    }

    const { attended, possible, persistent } = evaluateWindowTotals(
      plan,
      grid,
      { startDate: pupil.startDate, leftOn: pupil.leftOn },
      totals,
    );
    weekAttended.set(attended.subarray(0, W), i * W);
    weekPossible.set(possible.subarray(0, W), i * W);
    for (let t = 0; t < T; t++) {
      if (possible[W + t] === 0) continue;
      const point = trend[t]!;
      point.pupils++;
      point.persistent += persistent[W + t]!;
      point.attended += attended[W + t]!;
      point.possible += possible[W + t]!;
    }
    if (T > 0) {
      ytdAttended[i] = attended[W + T - 1]!;
      ytdPossible[i] = possible[W + T - 1]!;
      persistentNow[i] = persistent[W + T - 1]!;
    }
    persistentBefore[i] = T > 1 ? persistent[W + T - 2]! : 0;
  });

  const rates = (k: 'ytd' | 'r10', range: { from: IsoDate; to: IsoDate }): WindowRates => {
    const a = acc[k];
    return {
      from: range.from,
      to: range.to,
      persistent: a.p,
      severe: a.s,
      persistentPct: pct(a.p, a.n),
      severePct: pct(a.s, a.n),
      attendancePct: pct(a.att, a.poss),
    };
  };

  return {
    snapshot: snap,
    calendar,
    asOf,
    yearStart,
    absence: {
      asOf,
      pupils: n,
      ytd: rates('ytd', prepared.ranges.ytd),
      rolling10: rates('r10', prepared.ranges.rolling10),
    },
    weeks,
    weekAttended,
    weekPossible,
    trend,
    ytdAttended,
    ytdPossible,
    persistentNow,
    persistentBefore,
  };
}
