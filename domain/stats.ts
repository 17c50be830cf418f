// Pupil attendance statistics: the figures the policy engine judges, computed from a MarkGrid and a
// school calendar. Every definition is in docs/attendance-maths.md.
//
// How to use it for many pupils (the daily sweep):
//
//   const prepared = prepareEvaluation(calendar, asOf, { penaltyCodes, penaltyThreshold, penaltyWeeks });
//   for (const { pupil, grid } of pupils) facts.push(evaluatePupil(prepared, pupil, grid));
//   // or, with no objects per pupil: computeRolling10ForMany(prepared, grids)
//
// prepareEvaluation does all the calendar work once per (calendar, asOf): the window boundaries as
// school-day indices, and for every school day in the horizon the blob slot and byte offset of its
// marks. Evaluating a pupil is then one pass over bytes: running totals are snapshotted at each
// window boundary and every window is a difference of two snapshots. No Date objects, no strings in
// the loop. `computePupilFacts` is the one-pupil convenience; it caches the prepared evaluation per
// calendar and asOf, so calling it in a loop is fast too.
//
// The prepared object holds scratch buffers: evaluate one pupil at a time per prepared object (plain
// synchronous JavaScript does).
import type { SchoolCalendar } from './calendar';
import { toDayNumber } from './calendar';
import { CODE_LIST, MarkGrid, academicYearStartDay, codeId, type SessionMajorChunk } from './marks';
import { percent2, percentHundredths } from './percent';
import { DEFAULT_PENALTY_CODES, REGISTER_CODES } from './registerCodes';
import type {
  IllnessSignals,
  IsoDate,
  PenaltyThresholdFacts,
  PupilFacts,
  PupilFlag,
  StatsWindowKind,
  TrendFacts,
  WindowStats,
} from './types';

// ---------------------------------------------------------------------------------------------
// Code tables

/** Class numbers used in the hot loop; also the counter index for the first five. */
const C_UNMARKED = 0;
const C_PRESENT = 1;
const C_APPROVED = 2;
const C_AUTHORISED = 3;
const C_UNAUTHORISED = 4;
const C_NOT_POSSIBLE = 5;

const CLASS_NUM = new Uint8Array(CODE_LIST.length);
const FLAGS = new Uint8Array(CODE_LIST.length);
const F_UNEXPLAINED = 1;
const F_LATE_BEFORE = 2;
const F_LATE_AFTER = 4;
const F_ILLNESS = 8;
for (const c of REGISTER_CODES) {
  const id = codeId(c.code);
  CLASS_NUM[id] =
    c.cls === 'present'
      ? C_PRESENT
      : c.cls === 'approvedActivity'
        ? C_APPROVED
        : c.cls === 'authorised'
          ? C_AUTHORISED
          : c.cls === 'unauthorised'
            ? C_UNAUTHORISED
            : C_NOT_POSSIBLE;
}
FLAGS[codeId('N')] = F_UNEXPLAINED;
FLAGS[codeId('L')] = F_LATE_BEFORE;
FLAGS[codeId('U')] = F_LATE_AFTER;
FLAGS[codeId('I')] = F_ILLNESS;
FLAGS[codeId('M')] = F_ILLNESS;

// Counters (running totals) kept per session.
const K_UNMARKED = 0;
const K_PRESENT = 1;
const K_APPROVED = 2;
const K_AUTHORISED = 3;
const K_UNAUTHORISED = 4;
const K_UNEXPLAINED = 5;
const K_LATE_BEFORE = 6;
const K_LATE_AFTER = 7;
const K_ILLNESS = 8;
const K_PENALTY = 9;
const K_ABSENCE_MON_FRI = 10;
const K_ABSENCE_BESIDE_HOLIDAY = 11;
/** N sessions on a day past the grace cutoff (unresolved for the grace period). */
const K_N_PAST_GRACE = 12;
/** Spells of absence, counted at their first N past the grace cutoff. */
const K_N_SPELLS = 13;
const K_ILLNESS_MON_FRI = 14;
const K_ILLNESS_BESIDE_HOLIDAY = 15;
const NC = 16;

const DAY_MON_FRI = 1;
const DAY_BESIDE_HOLIDAY = 2;

// ---------------------------------------------------------------------------------------------
// Exact percentages (domain/percent.ts, shared with the policy engine)

export { percent2, percentHundredths } from './percent';

// ---------------------------------------------------------------------------------------------
// Scan plans

interface WindowSpec {
  kind: StatsWindowKind | 'custom';
  from: IsoDate;
  to: IsoDate;
  /** School-day indices [lo, hi). */
  lo: number;
  hi: number;
}

interface PlannedWindow extends WindowSpec {
  schoolWeeks: number;
  startPos: number;
  endPos: number;
}

/** Internal scan state (exported for typing only). */
export interface ScanPlan {
  calendar: SchoolCalendar;
  lo: number;
  hi: number;
  days: Int32Array;
  /** Per school day in [lo, hi): which year blob, byte offset of AM, day flags. */
  slot: Uint8Array;
  offset: Uint16Array;
  dayFlags: Uint8Array;
  yearStartDays: number[];
  blobs: (Uint8Array | undefined)[];
  boundaries: Int32Array;
  snaps: Int32Array;
  acc: Int32Array;
  penaltyTable: Uint8Array;
  /** School-day index of the last day whose N marks are past their grace (-1: none). */
  graceCutoff: number;
  windows: PlannedWindow[];
}

function windowSpec(
  calendar: SchoolCalendar,
  kind: WindowSpec['kind'],
  from: IsoDate,
  to: IsoDate,
): WindowSpec {
  const lo = calendar.index.lowerBound(toDayNumber(from));
  const hi = Math.max(lo, calendar.index.upperBound(toDayNumber(to)));
  return { kind, from, to, lo, hi };
}

function makePlan(
  calendar: SchoolCalendar,
  specs: WindowSpec[],
  penaltyCodes: readonly string[],
  graceCutoff = -1,
): ScanPlan {
  const ix = calendar.index;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of specs) {
    if (s.hi > s.lo) {
      lo = Math.min(lo, s.lo);
      hi = Math.max(hi, s.hi);
    }
  }
  if (lo === Infinity) lo = hi = 0;
  const len = hi - lo;
  const slot = new Uint8Array(len);
  const offset = new Uint16Array(len);
  const dayFlags = new Uint8Array(len);
  const yearStartDays: number[] = [];
  let currentYear = NaN;
  let nextYearDay = -Infinity;
  for (let k = 0; k < len; k++) {
    const dn = ix.days[lo + k]!;
    if (dn >= nextYearDay || yearStartDays.length === 0) {
      currentYear = academicYearStartDay(dn);
      yearStartDays.push(currentYear);
      nextYearDay = academicYearStartDay(currentYear + 400);
    }
    slot[k] = yearStartDays.length - 1;
    offset[k] = (dn - currentYear) * 2;
    const wd = ix.weekday[lo + k]!;
    dayFlags[k] =
      (wd === 0 || wd === 4 ? DAY_MON_FRI : 0) | (ix.besideHoliday[lo + k] ? DAY_BESIDE_HOLIDAY : 0);
  }
  const boundarySet = new Set<number>();
  for (const s of specs) boundarySet.add(s.lo).add(s.hi);
  const boundaries = Int32Array.from([...boundarySet].sort((a, b) => a - b));
  const pos = new Map<number, number>();
  boundaries.forEach((b, i) => pos.set(b, i));
  const penaltyTable = new Uint8Array(CODE_LIST.length);
  for (const c of penaltyCodes) penaltyTable[codeId(c)] = 1;
  const windows: PlannedWindow[] = specs.map((s) => ({
    ...s,
    schoolWeeks: s.hi > s.lo ? ix.weekOf[s.hi - 1]! - ix.weekOf[s.lo]! + 1 : 0,
    startPos: pos.get(s.lo)!,
    endPos: pos.get(s.hi)!,
  }));
  return {
    calendar,
    lo,
    hi,
    days: ix.days,
    slot,
    offset,
    dayFlags,
    yearStartDays,
    blobs: new Array<Uint8Array | undefined>(yearStartDays.length),
    boundaries,
    snaps: new Int32Array(boundaries.length * NC),
    acc: new Int32Array(NC),
    penaltyTable,
    graceCutoff,
    windows,
  };
}

interface RunFacts {
  longest: number;
  current: number;
}

/**
 * One pass over the pupil's bytes; fills plan.snaps. Days outside [startDay, leftDay] are skipped.
 *
 * A spell of absence is a run of consecutive absence sessions (authorised or unauthorised); a session
 * attended ends it, and a session that is not possible or not yet marked (or a day off roll) neither
 * ends nor extends it. A spell is counted once, at its first N that is past the grace cutoff.
 */
function scan(plan: ScanPlan, grid: MarkGrid, startDay: number, leftDay: number): RunFacts {
  const { lo, hi, days, slot, offset, dayFlags, boundaries, snaps, acc, penaltyTable, blobs, graceCutoff } =
    plan;
  for (let y = 0; y < blobs.length; y++) blobs[y] = grid.blobForYearStartDay(plan.yearStartDays[y]!);
  acc.fill(0);
  const nb = boundaries.length;
  let bi = 0;
  let run = 0;
  let longest = 0;
  let inSpell = false;
  let spellCounted = false;
  for (let d = lo; d < hi; d++) {
    while (bi < nb && boundaries[bi] === d) snaps.set(acc, NC * bi++);
    const dn = days[d]!;
    if (dn < startDay || dn > leftDay) continue;
    const k = d - lo;
    const codes = blobs[slot[k]!];
    if (codes === undefined) {
      acc[K_UNMARKED]! += 2;
      continue;
    }
    const o = offset[k]!;
    const df = dayFlags[k]!;
    const pastGrace = d <= graceCutoff;
    let possible = 0;
    let unauthorised = 0;
    for (let s = 0; s < 2; s++) {
      const id = codes[o + s]!;
      if (penaltyTable[id]) acc[K_PENALTY]!++;
      const c = CLASS_NUM[id]!;
      if (c === C_NOT_POSSIBLE) continue;
      acc[c]!++;
      if (c === C_UNMARKED) continue;
      possible++;
      const f = FLAGS[id]!;
      if (c >= C_AUTHORISED) {
        if (c === C_UNAUTHORISED) unauthorised++;
        if (df & DAY_MON_FRI) acc[K_ABSENCE_MON_FRI]!++;
        if (df & DAY_BESIDE_HOLIDAY) acc[K_ABSENCE_BESIDE_HOLIDAY]!++;
        if (!inSpell) {
          inSpell = true;
          spellCounted = false;
        }
        if ((f & F_UNEXPLAINED) !== 0 && pastGrace) {
          acc[K_N_PAST_GRACE]!++;
          if (!spellCounted) {
            acc[K_N_SPELLS]!++;
            spellCounted = true;
          }
        } else if (f & F_ILLNESS) {
          if (df & DAY_MON_FRI) acc[K_ILLNESS_MON_FRI]!++;
          if (df & DAY_BESIDE_HOLIDAY) acc[K_ILLNESS_BESIDE_HOLIDAY]!++;
        }
      } else inSpell = false;
      if (f !== 0) {
        if (f & F_UNEXPLAINED) acc[K_UNEXPLAINED]!++;
        else if (f & F_LATE_BEFORE) acc[K_LATE_BEFORE]!++;
        else if (f & F_LATE_AFTER) acc[K_LATE_AFTER]!++;
        else if (f & F_ILLNESS) acc[K_ILLNESS]!++;
      }
    }
    if (possible > 0) {
      if (unauthorised === possible) {
        if (++run > longest) longest = run;
      } else run = 0;
    }
  }
  while (bi < nb && boundaries[bi] === hi) snaps.set(acc, NC * bi++);
  for (let y = 0; y < blobs.length; y++) blobs[y] = undefined;
  return { longest, current: run };
}

function count(plan: ScanPlan, w: PlannedWindow, k: number): number {
  return plan.snaps[w.endPos * NC + k]! - plan.snaps[w.startPos * NC + k]!;
}

/** A window's figures; the grace-period counts only when the scan was planned with a grace cutoff. */
function statsOf(plan: ScanPlan, w: PlannedWindow, withGrace = true): WindowStats {
  const present = count(plan, w, K_PRESENT);
  const approvedActivity = count(plan, w, K_APPROVED);
  const authorised = count(plan, w, K_AUTHORISED);
  const unauthorised = count(plan, w, K_UNAUTHORISED);
  const possible = present + approvedActivity + authorised + unauthorised;
  const absence = authorised + unauthorised;
  const daysMissed = absence / 2;
  return {
    kind: w.kind,
    from: w.from,
    to: w.to,
    schoolWeeks: w.schoolWeeks,
    possible,
    present,
    approvedActivity,
    authorised,
    unauthorised,
    unexplained: count(plan, w, K_UNEXPLAINED),
    lateBeforeClose: count(plan, w, K_LATE_BEFORE),
    lateAfterClose: count(plan, w, K_LATE_AFTER),
    unmarked: count(plan, w, K_UNMARKED),
    illness: count(plan, w, K_ILLNESS),
    ...(withGrace
      ? {
          unexplainedPastGrace: count(plan, w, K_N_PAST_GRACE),
          unexplainedSpells: count(plan, w, K_N_SPELLS),
        }
      : {}),
    attendancePct: percent2(present + approvedActivity, possible),
    absencePct: percent2(absence, possible),
    daysMissed,
    lessonsMissed: daysMissed * plan.calendar.lessonsPerDay,
    persistentAbsence: isPersistentAbsence(absence, possible),
    severeAbsence: possible > 0 && absence * 2 >= possible,
  };
}

/** Persistent absence: absence of 10% or more of the possible sessions, in integers (exactly 90.00% is persistent). */
function isPersistentAbsence(absence: number, possible: number): boolean {
  return possible > 0 && absence * 10 >= possible;
}

function pupilBounds(startDate?: IsoDate | null, leftOn?: IsoDate | null): [number, number] {
  return [startDate ? toDayNumber(startDate) : -Infinity, leftOn ? toDayNumber(leftOn) : Infinity];
}

// ---------------------------------------------------------------------------------------------
// One window

export interface WindowStatsOptions {
  /** First day on roll; earlier sessions are not possible. */
  startDate?: IsoDate | null;
  /** Last day on roll (inclusive); later sessions are not possible. */
  leftOn?: IsoDate | null;
}

/** Figures for the school days in [from, to] (both inclusive). */
export function computeWindowStats(
  grid: MarkGrid,
  calendar: SchoolCalendar,
  from: IsoDate,
  to: IsoDate,
  kind: StatsWindowKind | 'custom' = 'custom',
  opts: WindowStatsOptions = {},
): WindowStats {
  const plan = makePlan(calendar, [windowSpec(calendar, kind, from, to)], []);
  const [s, l] = pupilBounds(opts.startDate, opts.leftOn);
  scan(plan, grid, s, l);
  // No asOf, so no grace period to judge an N by.
  return statsOf(plan, plan.windows[0]!, false);
}

// ---------------------------------------------------------------------------------------------
// Many windows of one pupil at once (the dashboard: every school week, and the year to date at the
// end of each)

/** A set of windows planned once, for evaluating many pupils over the same dates. */
export interface PreparedWindows {
  readonly calendar: SchoolCalendar;
  /** The windows as asked for, in order. */
  readonly windows: readonly { from: IsoDate; to: IsoDate }[];
  /** @internal */
  readonly plan: ScanPlan;
}

/**
 * Plans the windows once: one pass over a pupil's marks then gives every window (each a difference
 * of two running totals), however many there are and however they overlap. The figures are exactly
 * computeWindowStats' for each window; the scratch buffers are shared, so evaluate one pupil at a
 * time per prepared object.
 */
export function prepareWindows(
  calendar: SchoolCalendar,
  windows: readonly { from: IsoDate; to: IsoDate }[],
): PreparedWindows {
  const specs = windows.map((w) => windowSpec(calendar, 'custom', w.from, w.to));
  return {
    calendar,
    windows: windows.map((w) => ({ from: w.from, to: w.to })),
    plan: makePlan(calendar, specs, []),
  };
}

/** Every prepared window's figures for one pupil, in the order asked for (no grace counts: no asOf). */
export function evaluateWindows(
  prepared: PreparedWindows,
  grid: MarkGrid,
  opts: WindowStatsOptions = {},
): WindowStats[] {
  const { plan } = prepared;
  const [s, l] = pupilBounds(opts.startDate, opts.leftOn);
  scan(plan, grid, s, l);
  return plan.windows.map((w) => statsOf(plan, w, false));
}

/** The three numbers per window a school-level figure needs, with no object per window. */
export interface WindowTotals {
  /** Sessions attended: present (including L) or at an approved educational activity. */
  attended: Int32Array;
  possible: Int32Array;
  /** 1 when the pupil is persistently absent over the window (as WindowStats.persistentAbsence). */
  persistent: Uint8Array;
}

/**
 * Like evaluateWindows, but only attended, possible and persistent absence per window, written into
 * `out` (reused across pupils): for hundreds of pupils times dozens of windows without an object each.
 */
export function evaluateWindowTotals(
  prepared: PreparedWindows,
  grid: MarkGrid,
  opts: WindowStatsOptions = {},
  out: WindowTotals = newWindowTotals(prepared),
): WindowTotals {
  const { plan } = prepared;
  const [s, l] = pupilBounds(opts.startDate, opts.leftOn);
  scan(plan, grid, s, l);
  plan.windows.forEach((w, i) => {
    const attended = count(plan, w, K_PRESENT) + count(plan, w, K_APPROVED);
    const absence = count(plan, w, K_AUTHORISED) + count(plan, w, K_UNAUTHORISED);
    out.attended[i] = attended;
    out.possible[i] = attended + absence;
    out.persistent[i] = isPersistentAbsence(absence, attended + absence) ? 1 : 0;
  });
  return out;
}

/** Arrays for evaluateWindowTotals, one slot per prepared window. */
export function newWindowTotals(prepared: PreparedWindows): WindowTotals {
  const n = prepared.windows.length;
  return { attended: new Int32Array(n), possible: new Int32Array(n), persistent: new Uint8Array(n) };
}

// ---------------------------------------------------------------------------------------------
// Pupil facts

export interface PupilInput {
  pupilId: string;
  upn: string;
  yearGroup?: number | null;
  flags?: PupilFlag[];
  /** First day on roll (inclusive). */
  startDate?: IsoDate | null;
  /** Last day on roll (inclusive). */
  leftOn?: IsoDate | null;
}

export interface EvaluationOptions {
  /** Codes counted for the penalty-notice threshold. Default G N O U. */
  penaltyCodes?: readonly string[];
  /** Sessions that meet the threshold. Default 10. */
  penaltyThreshold?: number;
  /** The threshold's rolling period in school weeks. Default 10. */
  penaltyWeeks?: number;
  /** Length of the rolling window (and of the trend's previous window) in school weeks. Default 10. */
  rollingWeeks?: number;
  /** A change in attendance smaller than this (percentage points) is "steady". Default 1. */
  trendTolerancePct?: number;
  /** Illness clustering needs at least this many absence sessions in the rolling window. Default 6. */
  clusterMinAbsenceSessions?: number;
  /** Clustered when this share (0..1) of absence falls on Mondays/Fridays. Default 0.6. */
  clusterMondayFridayShare?: number;
  /** Clustered when this share (0..1) of absence is beside a holiday. Default 0.5. */
  clusterBesideHolidayShare?: number;
  /**
   * School days an N (reason not yet provided) is given before it counts as an unexplained absence
   * (`unexplainedPastGrace`, `unexplainedSpells`): the policy's `unexplainedAbsence.graceSchoolDays`.
   * Default 5, the regulations' expectation.
   */
  unexplainedGraceDays?: number;
}

export type ResolvedEvaluationOptions = Required<EvaluationOptions> & { penaltyCodes: string[] };

export const DEFAULT_EVALUATION_OPTIONS: Readonly<ResolvedEvaluationOptions> = Object.freeze({
  penaltyCodes: [...DEFAULT_PENALTY_CODES],
  penaltyThreshold: 10,
  penaltyWeeks: 10,
  rollingWeeks: 10,
  trendTolerancePct: 1,
  clusterMinAbsenceSessions: 6,
  clusterMondayFridayShare: 0.6,
  clusterBesideHolidayShare: 0.5,
  unexplainedGraceDays: 5,
});

export interface PreparedEvaluation {
  readonly calendar: SchoolCalendar;
  readonly asOf: IsoDate;
  readonly options: Readonly<ResolvedEvaluationOptions>;
  /** The windows as date ranges, for display. */
  readonly ranges: Readonly<
    Record<StatsWindowKind | 'penalty', { from: IsoDate; to: IsoDate; schoolWeeks: number }>
  > & {
    previous: { from: IsoDate; to: IsoDate; schoolWeeks: number } | null;
  };
  /** @internal */
  readonly plan: ScanPlan;
}

const W_PENALTY = 4;
const W_PREVIOUS = 5;

function resolveOptions(opts: EvaluationOptions): ResolvedEvaluationOptions {
  const o = { ...DEFAULT_EVALUATION_OPTIONS, ...stripUndefined(opts) } as ResolvedEvaluationOptions;
  o.penaltyCodes = [...o.penaltyCodes];
  for (const c of o.penaltyCodes) codeId(c); // throws for unknown codes
  for (const k of ['penaltyThreshold', 'penaltyWeeks', 'rollingWeeks'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1)
      throw new RangeError(`${k} must be a whole number >= 1, got ${o[k]}`);
  }
  if (!Number.isInteger(o.unexplainedGraceDays) || o.unexplainedGraceDays < 0)
    throw new RangeError(`unexplainedGraceDays must be a whole number >= 0, got ${o.unexplainedGraceDays}`);
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** All the calendar work for evaluating pupils on `asOf`, done once. */
export function prepareEvaluation(
  calendar: SchoolCalendar,
  asOf: IsoDate,
  opts: EvaluationOptions = {},
): PreparedEvaluation {
  const options = resolveOptions(opts);
  const ix = calendar.index;
  const asOfDay = toDayNumber(asOf);
  const rolling = calendar.schoolWeeksEndingOn(asOf, options.rollingWeeks);
  const half = calendar.currentHalfTerm(asOf);
  const term = calendar.currentTerm(asOf);
  const ytd = calendar.yearToDate(asOf);
  const penalty = calendar.schoolWeeksEndingOn(asOf, options.penaltyWeeks);
  const upTo = (to: IsoDate): IsoDate => (to < asOf ? to : asOf);
  const specs: WindowSpec[] = [
    windowSpec(calendar, 'rolling10', rolling.from, rolling.to),
    windowSpec(calendar, 'halfTerm', half?.from ?? asOf, half ? upTo(half.to) : asOf),
    windowSpec(calendar, 'term', term?.from ?? asOf, term ? upTo(term.to) : asOf),
    windowSpec(calendar, 'ytd', ytd.from, ytd.to),
    windowSpec(calendar, 'custom', penalty.from, penalty.to),
  ];
  // The trend's previous window: the rollingWeeks school weeks just before the rolling window.
  const last = ix.upperBound(asOfDay) - 1;
  let previous: WindowSpec | null = null;
  if (last >= 0 && rolling.weeks === options.rollingWeeks) {
    const firstWeek = ix.weekOf[last]! - options.rollingWeeks + 1;
    const prevFirst = firstWeek - options.rollingWeeks;
    if (prevFirst >= 0) {
      const lo = ix.weekFirstDay[prevFirst]!;
      const hi = ix.weekFirstDay[firstWeek]!;
      previous = { kind: 'custom', from: ix.iso[lo]!, to: ix.iso[hi - 1]!, lo, hi };
    }
  }
  if (previous) specs.push(previous);
  // An N on school day d is past its grace on asOf once `unexplainedGraceDays` school days have
  // followed it up to asOf: d <= (the last school day up to asOf) - grace.
  const plan = makePlan(calendar, specs, options.penaltyCodes, last - options.unexplainedGraceDays);
  const r = (i: number) => {
    const w = plan.windows[i]!;
    return { from: w.from, to: w.to, schoolWeeks: w.schoolWeeks };
  };
  return {
    calendar,
    asOf,
    options,
    ranges: {
      rolling10: r(0),
      halfTerm: r(1),
      term: r(2),
      ytd: r(3),
      penalty: r(W_PENALTY),
      previous: previous ? r(W_PREVIOUS) : null,
    },
    plan,
  };
}

/** The facts for one pupil on prepared.asOf. */
export function evaluatePupil(prepared: PreparedEvaluation, pupil: PupilInput, grid: MarkGrid): PupilFacts {
  const { plan, options, asOf, calendar } = prepared;
  const [startDay, leftDay] = pupilBounds(pupil.startDate, pupil.leftOn);
  const runs = scan(plan, grid, startDay, leftDay);
  const w = plan.windows;
  const windows = {
    rolling10: statsOf(plan, w[0]!),
    halfTerm: statsOf(plan, w[1]!),
    term: statsOf(plan, w[2]!),
    ytd: statsOf(plan, w[3]!),
  } satisfies Record<StatsWindowKind, WindowStats>;

  const pw = w[W_PENALTY]!;
  const penaltySessions = count(plan, pw, K_PENALTY);
  const penaltyThreshold: PenaltyThresholdFacts = {
    met: penaltySessions >= options.penaltyThreshold,
    sessions: penaltySessions,
    threshold: options.penaltyThreshold,
    windowSchoolWeeks: pw.schoolWeeks,
    from: pw.from,
    to: pw.to,
    countingCodes: [...options.penaltyCodes],
    unexplainedInGrace: options.penaltyCodes.includes('N')
      ? count(plan, pw, K_UNEXPLAINED) - count(plan, pw, K_N_PAST_GRACE)
      : 0,
  };

  const rw = w[0]!;
  const absence = windows.rolling10.authorised + windows.rolling10.unauthorised;
  const monFri = count(plan, rw, K_ABSENCE_MON_FRI);
  const beside = count(plan, rw, K_ABSENCE_BESIDE_HOLIDAY);
  const ill = count(plan, rw, K_ILLNESS);
  const illMonFri = count(plan, rw, K_ILLNESS_MON_FRI);
  const illBeside = count(plan, rw, K_ILLNESS_BESIDE_HOLIDAY);
  const illness: IllnessSignals = {
    illnessSessions: ill,
    mondayFridayShare: absence === 0 ? 0 : monFri / absence,
    besideHolidayShare: absence === 0 ? 0 : beside / absence,
    clustered:
      absence >= options.clusterMinAbsenceSessions &&
      (monFri >= options.clusterMondayFridayShare * absence ||
        beside >= options.clusterBesideHolidayShare * absence),
    // The same shares over the illness sessions alone: how many of them a pattern needs is the
    // policy's (illnessPattern.minSessions).
    illnessMondayFridayShare: ill === 0 ? 0 : illMonFri / ill,
    illnessBesideHolidayShare: ill === 0 ? 0 : illBeside / ill,
    illnessClustered:
      ill > 0 &&
      (illMonFri >= options.clusterMondayFridayShare * ill ||
        illBeside >= options.clusterBesideHolidayShare * ill),
  };

  const previous = w.length > W_PREVIOUS ? statsOf(plan, w[W_PREVIOUS]!) : null;
  const trend = trendOf(windows.rolling10, previous, options.trendTolerancePct);

  return {
    schoolId: calendar.file.school,
    pupilId: pupil.pupilId,
    upn: pupil.upn,
    asOf,
    yearGroup: pupil.yearGroup ?? null,
    flags: [...(pupil.flags ?? [])],
    onRoll: (!pupil.startDate || pupil.startDate <= asOf) && (!pupil.leftOn || pupil.leftOn >= asOf),
    windows,
    penaltyThreshold,
    longestUnauthorisedRunDays: runs.longest,
    currentUnauthorisedRunDays: runs.current,
    illness,
    trend,
    unexplainedGraceDays: options.unexplainedGraceDays,
  };
}

function trendOf(current: WindowStats, previous: WindowStats | null, tolerancePct: number): TrendFacts {
  if (!previous || current.attendancePct === null || previous.attendancePct === null) {
    return { previous, changePct: null, direction: 'unknown' };
  }
  const cur = percentHundredths(current.present + current.approvedActivity, current.possible);
  const prev = percentHundredths(previous.present + previous.approvedActivity, previous.possible);
  const diff = cur - prev;
  const tol = Math.round(tolerancePct * 100);
  const direction = diff >= tol ? 'improving' : diff <= -tol ? 'declining' : 'steady';
  return { previous, changePct: diff / 100, direction };
}

export interface ComputePupilFactsInput extends EvaluationOptions {
  pupil: PupilInput;
  grid: MarkGrid;
  calendar: SchoolCalendar;
  asOf: IsoDate;
}

const preparedCache = new WeakMap<SchoolCalendar, Map<string, PreparedEvaluation>>();
const CACHE_PER_CALENDAR = 8;

/** Prepared evaluations are cached per calendar object and (asOf, options). */
export function getPreparedEvaluation(
  calendar: SchoolCalendar,
  asOf: IsoDate,
  opts: EvaluationOptions = {},
): PreparedEvaluation {
  let byKey = preparedCache.get(calendar);
  if (!byKey) preparedCache.set(calendar, (byKey = new Map()));
  const defined = stripUndefined(opts);
  const key = Object.keys(defined).length === 0 ? asOf : `${asOf}|${JSON.stringify(resolveOptions(defined))}`;
  let prepared = byKey.get(key);
  if (!prepared) {
    prepared = prepareEvaluation(calendar, asOf, opts);
    if (byKey.size >= CACHE_PER_CALENDAR) byKey.delete(byKey.keys().next().value!);
    byKey.set(key, prepared);
  }
  return prepared;
}

/** Everything the policy engine knows about one pupil on asOf. */
export function computePupilFacts(input: ComputePupilFactsInput): PupilFacts {
  const { pupil, grid, calendar, asOf, ...opts } = input;
  return evaluatePupil(getPreparedEvaluation(calendar, asOf, opts), pupil, grid);
}

// ---------------------------------------------------------------------------------------------
// Batch: the rolling window and the penalty threshold for many pupils, no objects per pupil

export interface Rolling10Batch {
  /** Attendance % in hundredths (9000 = 90.00%), -1 when no possible sessions. */
  attendanceHundredths: Int32Array;
  /** Absence % in hundredths, -1 when no possible sessions. */
  absenceHundredths: Int32Array;
  possible: Int32Array;
  unauthorised: Int32Array;
  unexplained: Int32Array;
  /** Sessions of the counting codes in the penalty window. */
  penaltySessions: Int32Array;
  /** bit 0 persistent absence, bit 1 severe absence, bit 2 penalty threshold met. */
  flags: Uint8Array;
}

export const BATCH_PERSISTENT = 1;
export const BATCH_SEVERE = 2;
export const BATCH_PENALTY_MET = 4;

/** The rolling-window figures and flags for each grid (pupil bounds optional, same order). */
export function computeRolling10ForMany(
  prepared: PreparedEvaluation,
  grids: readonly MarkGrid[],
  bounds?: readonly { startDate?: IsoDate | null; leftOn?: IsoDate | null }[],
): Rolling10Batch {
  const n = grids.length;
  const out: Rolling10Batch = {
    attendanceHundredths: new Int32Array(n),
    absenceHundredths: new Int32Array(n),
    possible: new Int32Array(n),
    unauthorised: new Int32Array(n),
    unexplained: new Int32Array(n),
    penaltySessions: new Int32Array(n),
    flags: new Uint8Array(n),
  };
  // A plan with only the rolling and penalty windows scans fewer days than the full one.
  const { plan: full, calendar, options } = prepared;
  const rw = full.windows[0]!;
  const pw = full.windows[W_PENALTY]!;
  const plan = makePlan(calendar, [rw, pw], options.penaltyCodes);
  const r = plan.windows[0]!;
  const p = plan.windows[1]!;
  for (let i = 0; i < n; i++) {
    const b = bounds?.[i];
    const [s, l] = pupilBounds(b?.startDate, b?.leftOn);
    scan(plan, grids[i]!, s, l);
    const attended = count(plan, r, K_PRESENT) + count(plan, r, K_APPROVED);
    const unauth = count(plan, r, K_UNAUTHORISED);
    const absence = count(plan, r, K_AUTHORISED) + unauth;
    const possible = attended + absence;
    const pen = count(plan, p, K_PENALTY);
    out.possible[i] = possible;
    out.unauthorised[i] = unauth;
    out.unexplained[i] = count(plan, r, K_UNEXPLAINED);
    out.penaltySessions[i] = pen;
    out.attendanceHundredths[i] = possible === 0 ? -1 : percentHundredths(attended, possible);
    out.absenceHundredths[i] = possible === 0 ? -1 : percentHundredths(absence, possible);
    out.flags[i] =
      (possible > 0 && absence * 10 >= possible ? BATCH_PERSISTENT : 0) |
      (possible > 0 && absence * 2 >= possible ? BATCH_SEVERE : 0) |
      (pen >= options.penaltyThreshold ? BATCH_PENALTY_MET : 0);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Batch over session-major chunks (the store's whole-school layout): the same figures as
// computeRolling10ForMany, with no grid objects. A window of school days is a run of contiguous
// byte rows in each chunk, so the inner loop is one table lookup and one add per session: every
// counter of a pupil is packed in one float64 (exact up to 2^53), a field of F per counter.

/** possible, absence, unauthorised, unexplained (+ penalty when it fits) packed in base F. */
function packedTables(F: number, penaltyCodes: readonly string[], withPenalty: boolean) {
  const rolling = new Float64Array(256);
  const penalty = new Float64Array(256);
  for (let id = 1; id < CODE_LIST.length; id++) {
    const c = CLASS_NUM[id]!;
    if (c >= C_PRESENT && c <= C_UNAUTHORISED) {
      let w = 1;
      if (c >= C_AUTHORISED) w += F;
      if (c === C_UNAUTHORISED) w += F * F;
      if (FLAGS[id]! & F_UNEXPLAINED) w += F * F * F;
      rolling[id] = w;
    }
  }
  for (const code of penaltyCodes) penalty[codeId(code)] = withPenalty ? F * F * F * F : 1;
  const both = rolling.map((w, id) => w + penalty[id]!);
  return { rolling, penalty, both };
}

// The hot loop, small and monomorphic so V8 optimises it at once.
function addWeights(
  acc: Float64Array,
  codes: Uint8Array,
  am: number,
  pm: number,
  n: number,
  w: Float64Array,
): void {
  for (let i = 0; i < n; i++) acc[i]! += w[codes[am + i]!]! + w[codes[pm + i]!]!;
}

/**
 * computeRolling10ForMany over session-major chunks: row r of the result is the pupil whose chunk
 * entries say `rows[i] = r` (a pupil with no chunk has no marks: no possible sessions). Each chunk
 * must hold every slot of the rolling and penalty windows that falls in its academic year.
 */
export function computeRolling10ForChunks(
  prepared: PreparedEvaluation,
  pupilCount: number,
  chunks: readonly SessionMajorChunk[],
  bounds?: readonly ({ startDate?: IsoDate | null; leftOn?: IsoDate | null } | undefined)[],
): Rolling10Batch {
  const { plan: full, calendar, options } = prepared;
  const rw = full.windows[0]!;
  const pw = full.windows[W_PENALTY]!;
  const rollingSessions = 2 * Math.max(0, rw.hi - rw.lo);
  const penaltySessions = 2 * Math.max(0, pw.hi - pw.lo);
  // One pass with the penalty packed too when every count fits 10 bits (windows up to 511 school
  // days); otherwise 12-bit fields and a second accumulator for the penalty window.
  const onePass = rollingSessions < 1024 && penaltySessions < 1024;
  const F = onePass ? 1024 : 4096;
  if (rollingSessions >= F) throw new RangeError('the rolling window is too long for the batch');
  const tables = packedTables(F, options.penaltyCodes, onePass);

  // The school days of both windows: day number, academic year, slot, and which table applies.
  const lo = Math.min(rw.hi > rw.lo ? rw.lo : Infinity, pw.hi > pw.lo ? pw.lo : Infinity);
  const hi = Math.max(rw.hi > rw.lo ? rw.hi : -Infinity, pw.hi > pw.lo ? pw.hi : -Infinity);
  const nd = lo < hi ? hi - lo : 0;
  const dayNumber = new Int32Array(nd);
  const dayYear = new Int32Array(nd);
  const daySlot = new Int32Array(nd);
  const inRolling = new Uint8Array(nd);
  const inPenalty = new Uint8Array(nd);
  for (let k = 0; k < nd; k++) {
    const d = lo + k;
    const dn = calendar.index.days[d]!;
    const ys = academicYearStartDay(dn);
    dayNumber[k] = dn;
    dayYear[k] = ys;
    daySlot[k] = (dn - ys) * 2;
    inRolling[k] = d >= rw.lo && d < rw.hi ? 1 : 0;
    inPenalty[k] = d >= pw.lo && d < pw.hi ? 1 : 0;
  }
  const tableFor = (k: number): Float64Array | null =>
    onePass
      ? inRolling[k] && inPenalty[k]
        ? tables.both
        : inRolling[k]
          ? tables.rolling
          : inPenalty[k]
            ? tables.penalty
            : null
      : inRolling[k]
        ? tables.rolling
        : null;

  const packed = new Float64Array(pupilCount);
  const pen = new Float64Array(onePass ? 0 : pupilCount);
  let loc = new Float64Array(0);
  let locPen = new Float64Array(0);
  for (const chunk of chunks) {
    const n = chunk.pupils;
    if (chunk.codes.length < chunk.slots * n || chunk.rows.length !== n)
      throw new RangeError('a chunk is shorter than its pupils and slots');
    if (loc.length < n) {
      loc = new Float64Array(n);
      locPen = new Float64Array(n);
    } else {
      loc.fill(0, 0, n);
      locPen.fill(0, 0, n);
    }
    const ys = toDayNumber(chunk.yearStart);
    const codes = chunk.codes;
    const rowOf = (k: number): number => {
      const rel = daySlot[k]! - chunk.slotFrom;
      if (rel < 0 || rel + 2 > chunk.slots)
        throw new RangeError(`the chunk for ${chunk.yearStart} does not hold the evaluated window`);
      return rel * n;
    };
    for (let k = 0; k < nd; k++) {
      if (dayYear[k] !== ys) continue;
      const table = tableFor(k);
      const am = rowOf(k);
      if (table) addWeights(loc, codes, am, am + n, n, table);
      if (!onePass && inPenalty[k]) addWeights(locPen, codes, am, am + n, n, tables.penalty);
    }
    const rows = chunk.rows;
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      if (r < 0) continue;
      const bound = bounds?.[r];
      if (bound && (bound.startDate || bound.leftOn)) {
        // Sessions before the pupil joined or after they left are not possible: take them back out.
        const [s, l] = pupilBounds(bound.startDate, bound.leftOn);
        for (let k = 0; k < nd; k++) {
          const dn = dayNumber[k]!;
          if (dayYear[k] !== ys || (dn >= s && dn <= l)) continue;
          const o = rowOf(k) + i;
          const table = tableFor(k);
          if (table) loc[i]! -= table[codes[o]!]! + table[codes[o + n]!]!;
          if (!onePass && inPenalty[k])
            locPen[i]! -= tables.penalty[codes[o]!]! + tables.penalty[codes[o + n]!]!;
        }
      }
      packed[r]! += loc[i]!;
      if (!onePass) pen[r]! += locPen[i]!;
    }
  }

  const out: Rolling10Batch = {
    attendanceHundredths: new Int32Array(pupilCount),
    absenceHundredths: new Int32Array(pupilCount),
    possible: new Int32Array(pupilCount),
    unauthorised: new Int32Array(pupilCount),
    unexplained: new Int32Array(pupilCount),
    penaltySessions: new Int32Array(pupilCount),
    flags: new Uint8Array(pupilCount),
  };
  for (let r = 0; r < pupilCount; r++) {
    let x = packed[r]!;
    const possible = x % F;
    x = (x - possible) / F;
    const absence = x % F;
    x = (x - absence) / F;
    const unauth = x % F;
    x = (x - unauth) / F;
    const unexplained = onePass ? x % F : x;
    const penalty = onePass ? (x - unexplained) / F : pen[r]!;
    out.possible[r] = possible;
    out.unauthorised[r] = unauth;
    out.unexplained[r] = unexplained;
    out.penaltySessions[r] = penalty;
    out.attendanceHundredths[r] = possible === 0 ? -1 : percentHundredths(possible - absence, possible);
    out.absenceHundredths[r] = possible === 0 ? -1 : percentHundredths(absence, possible);
    out.flags[r] =
      (possible > 0 && absence * 10 >= possible ? BATCH_PERSISTENT : 0) |
      (possible > 0 && absence * 2 >= possible ? BATCH_SEVERE : 0) |
      (penalty >= options.penaltyThreshold ? BATCH_PENALTY_MET : 0);
  }
  return out;
}
