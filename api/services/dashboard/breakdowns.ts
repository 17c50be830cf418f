// "Breakdowns": the year to date for groups of pupils a head teacher is asked about (Ofsted, the
// governors, the council): each year group, SEN provision, disadvantage (pupil premium) and sex.
// The figures are the trend's, per group: attendance pooled over the group's possible sessions,
// persistent absence as a share of the group's pupils, and the group's open cases, so "Year 9 boys
// are at 88%" sits beside how many of them the team is already working with.
//
// Groups are not suppressed when small: the dashboard is for the school's own staff, who see each
// pupil anyway, and a group of two is exactly the kind a team wants to see. Anything published
// outside the school needs the usual suppression.
import { percent1 } from '../../../domain/percent';
import type { IsoDate } from '../../../domain/types';
import type { Pupil } from '../../../store/pupils';
import type { RollFigures } from './roll';

export type BreakdownDimension = 'yearGroup' | 'sen' | 'pupilPremium' | 'sex';

export interface BreakdownGroup {
  key: string;
  label: string;
  /** Pupils with at least one possible session this year to date. */
  pupils: number;
  attendancePct: number | null;
  persistent: number;
  persistentPct: number | null;
  /** Open or paused cases of the group's pupils. */
  openCases: number;
}

export interface Breakdown {
  dimension: BreakdownDimension;
  label: string;
  /** False when the roster has never said (every pupil at the default): the web app says how to add it. */
  recorded: boolean;
  groups: BreakdownGroup[];
}

export interface DashboardBreakdowns {
  asOf: IsoDate;
  from: IsoDate;
  dimensions: Breakdown[];
  rule: string;
}

export function yearGroupLabel(y: number | null): string {
  if (y === null) return 'No year group';
  if (y === 0) return 'Reception';
  if (y === -1) return 'Nursery (N2)';
  if (y === -2) return 'Nursery (N1)';
  return `Year ${y}`;
}

const SEN_LABELS: Record<string, string> = { N: 'No SEN', K: 'SEN support', E: 'EHC plan' };

interface Dim {
  dimension: BreakdownDimension;
  label: string;
  key(p: Pupil): string;
  groupLabel(key: string): string;
  /** The order groups are shown in. */
  order(a: string, b: string): number;
  recorded(pupils: readonly Pupil[]): boolean;
}

const DIMENSIONS: Dim[] = [
  {
    dimension: 'yearGroup',
    label: 'Year group',
    key: (p) => (p.yearGroup === null ? 'none' : String(p.yearGroup)),
    groupLabel: (k) => yearGroupLabel(k === 'none' ? null : Number(k)),
    order: (a, b) => (a === 'none' ? 1 : b === 'none' ? -1 : Number(a) - Number(b)),
    recorded: (ps) => ps.some((p) => p.yearGroup !== null),
  },
  {
    dimension: 'sen',
    label: 'Special educational needs',
    key: (p) => p.sen,
    groupLabel: (k) => SEN_LABELS[k] ?? k,
    order: (a, b) => 'NKE'.indexOf(a) - 'NKE'.indexOf(b),
    recorded: (ps) => ps.some((p) => p.sen !== 'N'),
  },
  {
    dimension: 'pupilPremium',
    label: 'Disadvantaged (pupil premium)',
    key: (p) => (p.pupilPremium ? 'yes' : 'no'),
    groupLabel: (k) => (k === 'yes' ? 'Pupil premium' : 'Not pupil premium'),
    order: (a, b) => (a === b ? 0 : a === 'yes' ? -1 : 1),
    recorded: (ps) => ps.some((p) => p.pupilPremium),
  },
  {
    dimension: 'sex',
    label: 'Sex',
    key: (p) => p.sex ?? 'unknown',
    groupLabel: (k) => (k === 'F' ? 'Girls' : k === 'M' ? 'Boys' : 'Not recorded'),
    order: (a, b) => 'FMu'.indexOf(a[0]!) - 'FMu'.indexOf(b[0]!),
    recorded: (ps) => ps.some((p) => p.sex !== null),
  },
];

/**
 * The breakdowns of the roll's year to date. `openCaseByPupil`: the school's active cases by pupil
 * (store/cases.ts openCaseIdsForSchool), read once.
 */
export function breakdownsOf(
  roll: RollFigures,
  openCaseByPupil: ReadonlyMap<string, string>,
): DashboardBreakdowns {
  const pupils = roll.snapshot.pupils;
  const dimensions = DIMENSIONS.map((d): Breakdown => {
    const acc = new Map<
      string,
      { pupils: number; persistent: number; att: number; poss: number; cases: number }
    >();
    pupils.forEach((p, i) => {
      const key = d.key(p);
      let a = acc.get(key);
      if (!a) acc.set(key, (a = { pupils: 0, persistent: 0, att: 0, poss: 0, cases: 0 }));
      if (openCaseByPupil.has(p.id)) a.cases++;
      const possible = roll.ytdPossible[i]!;
      if (possible === 0) return;
      a.pupils++;
      a.persistent += roll.persistentNow[i]!;
      a.att += roll.ytdAttended[i]!;
      a.poss += possible;
    });
    return {
      dimension: d.dimension,
      label: d.label,
      recorded: d.recorded(pupils),
      groups: [...acc.entries()]
        .sort(([a], [b]) => d.order(a, b))
        .map(([key, a]) => ({
          key,
          label: d.groupLabel(key),
          pupils: a.pupils,
          attendancePct: percent1(a.att, a.poss),
          persistent: a.persistent,
          persistentPct: percent1(a.persistent, a.pupils),
          openCases: a.cases,
        })),
    };
  });
  return {
    asOf: roll.asOf,
    from: roll.yearStart,
    dimensions,
    rule: 'Year to date. Pupils: those with at least one possible session this year. Attendance is pooled over the group’s possible sessions; persistent absence is the share of the group’s pupils who missed 10% or more of their own. Open cases: open or paused cases of the group’s pupils.',
  };
}
