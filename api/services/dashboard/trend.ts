// "Attendance this year": the school's attendance and persistent absence at the end of each school
// week so far, year to date, beside England's published figures for the same kind of school.
//
// Year to date, not each week on its own: that is the measure the DfE publishes and the one a
// pupil's persistent absence is judged on, so the line a head teacher watches is the one the
// national figure can sit on. The national figures are a full year's; a school early in the
// autumn term usually sits above them (absence rises through the year), which the web app says.
import {
  NATIONAL_FIGURES,
  nationalFigureFor,
  phaseOfYearGroups,
  type NationalFigure,
  type NationalFigures,
  type SchoolPhase,
} from '../../../domain/nationalFigures';
import { percent1 } from '../../../domain/percent';
import type { IsoDate } from '../../../domain/types';
import type { RollFigures } from './roll';

export interface TrendPoint {
  /** Monday of the school week. */
  weekStart: IsoDate;
  /** The week's last school day counted (asOf for the week under way). */
  to: IsoDate;
  /** False for the week under way. */
  complete: boolean;
  /** Pupils with at least one possible session this year up to that week. */
  pupils: number;
  /** Attendance, year to date, pooled over the roll (sessions attended ÷ possible sessions). */
  attendancePct: number | null;
  /** Persistently absent pupils (10% or more of their own possible sessions missed), year to date. */
  persistent: number;
  persistentPct: number | null;
}

export interface DashboardTrend {
  asOf: IsoDate;
  yearStart: IsoDate;
  weeks: TrendPoint[];
  rule: string;
}

export interface NationalComparison {
  /** The kind of school the roll's year groups say this is, and the national figures for it. */
  phase: SchoolPhase;
  figure: NationalFigure | null;
  /** 100 minus the national overall absence rate: the line on the trend chart. */
  attendancePct: number | null;
  persistentAbsencePct: number | null;
  /** The school now, year to date, and the difference in percentage points (school − national). */
  school: { attendancePct: number | null; persistentPct: number | null };
  difference: { attendancePts: number | null; persistentPts: number | null };
  /** The publication, year and address, and what could not be checked. */
  source: Omit<NationalFigures, 'figures'>;
  /** Every phase's figures, so the web app can show the table in full. */
  figures: NationalFigure[];
  caveat: string;
}

export function trendOf(roll: RollFigures): DashboardTrend {
  return {
    asOf: roll.asOf,
    yearStart: roll.yearStart,
    weeks: roll.trend.map((t) => ({
      weekStart: t.week.weekStart,
      to: t.week.to,
      complete: t.week.complete,
      pupils: t.pupils,
      attendancePct: percent1(t.attended, t.possible),
      persistent: t.persistent,
      persistentPct: percent1(t.persistent, t.pupils),
    })),
    rule: 'Year to date at the end of each school week. Attendance: sessions attended (present, late before the register closed, or at an approved activity) ÷ possible sessions, over every pupil. Persistent absence: pupils who missed 10% or more of their own possible sessions (attendance of 90% or below), as the DfE counts it.',
  };
}

/** Tenths of a point, exactly: the figures are already rounded to 1 decimal. */
const minus = (a: number | null, b: number | null) =>
  a === null || b === null ? null : Math.round(a * 10 - b * 10) / 10;

export function nationalComparison(roll: RollFigures, trend: DashboardTrend): NationalComparison {
  const phase = phaseOfYearGroups(roll.snapshot.pupils.map((p) => p.yearGroup));
  const figure = nationalFigureFor(phase);
  const attendancePct =
    figure?.overallAbsencePct === null || figure?.overallAbsencePct === undefined
      ? null
      : Math.round(1000 - figure.overallAbsencePct * 10) / 10;
  const persistentAbsencePct = figure?.persistentAbsencePct ?? null;
  const now = trend.weeks.at(-1);
  const school = { attendancePct: now?.attendancePct ?? null, persistentPct: now?.persistentPct ?? null };
  const { figures, ...source } = NATIONAL_FIGURES;
  return {
    phase,
    figure,
    attendancePct,
    persistentAbsencePct,
    school,
    difference: {
      attendancePts: minus(school.attendancePct, attendancePct),
      persistentPts: minus(school.persistentPct, persistentAbsencePct),
    },
    source,
    figures,
    caveat: `England's figures are for the whole of ${NATIONAL_FIGURES.academicYear}; this school's are for this year so far. Absence usually rises through the year, so early in the year a school tends to look better than it will by July. England's rates are published for pupils of compulsory school age (Years 1 to 11), while this school's include every year group on its roll.`,
  };
}
