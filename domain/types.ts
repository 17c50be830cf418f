// Shared shapes that cross rooms: the attendance store produces them, the policy engine and the
// workflows consume them. Everything here is plain JSON (ISO date strings, no Date objects) so it
// can travel through Temporal payloads and the HTTP API unchanged.

/** An ISO calendar date, `YYYY-MM-DD`, always in the school's local (UK) calendar. */
export type IsoDate = string;

export type Session = 'AM' | 'PM';

export const PUPIL_FLAGS = ['cin', 'cp', 'send', 'ehcp', 'lac', 'young_carer'] as const;
export type PupilFlag = (typeof PUPIL_FLAGS)[number];
/**
 * The flags that are safeguarding information (child protection, looked after, child in need):
 * nothing goes to such a family without a person's approval, and only the roles a school chooses see
 * them (api/auth/safeguarding.ts).
 */
export const SAFEGUARDING_FLAGS = ['cp', 'lac', 'cin'] as const satisfies readonly PupilFlag[];
export type SafeguardingFlag = (typeof SAFEGUARDING_FLAGS)[number];
export const isSafeguardingFlag = (flag: string): flag is SafeguardingFlag =>
  (SAFEGUARDING_FLAGS as readonly string[]).includes(flag);

/** The statistical class of a register code (DfE 2024 guidance). */
export type CodeClass =
  'present' | 'approvedActivity' | 'authorised' | 'unauthorised' | 'notPossible' | 'administrative';

export interface Term {
  name: string;
  start: IsoDate;
  end: IsoDate;
  halfTerm?: { start: IsoDate; end: IsoDate };
}

/** One school's calendar file (validated by `calendarFileSchema` in domain/calendar.ts). */
export interface SchoolCalendarFile {
  school: string;
  name: string;
  lessonsPerDay: number;
  terms: Term[];
  closures: IsoDate[];
  /** The school's local authority as letters name it ("Kirklees Council"); letters say "the local authority" without it. */
  localAuthority?: string;
}

export type StatsWindowKind = 'rolling10' | 'halfTerm' | 'term' | 'ytd';

/** Figures for one pupil over one window of school days. */
export interface WindowStats {
  kind: StatsWindowKind | 'custom';
  from: IsoDate;
  to: IsoDate;
  schoolWeeks: number;
  possible: number;
  present: number;
  approvedActivity: number;
  authorised: number;
  unauthorised: number;
  /** `N` marks: reason not yet provided. */
  unexplained: number;
  /** `L`: late, arrived before the register closed (counts as present). */
  lateBeforeClose: number;
  /** `U`: arrived after the register closed (an unauthorised absence). */
  lateAfterClose: number;
  /** Sessions with no mark yet in a possible day (not counted as possible). */
  unmarked: number;
  /** `I` and `M`: illness and medical or dental appointments (authorised). Absent in figures
   * computed before it was added. */
  illness?: number;
  /** `N` sessions on school days at least `PupilFacts.unexplainedGraceDays` school days before
   * asOf: reasons still missing after the school's time to find them. Absent in older figures. */
  unexplainedPastGrace?: number;
  /** Separate spells of absence (runs of consecutive absence sessions) with an `N` past its grace,
   * each counted once, in the window where its first such `N` falls. Absent in older figures. */
  unexplainedSpells?: number;
  /** (present + approvedActivity) / possible * 100, rounded to 2 decimals; null when possible = 0. */
  attendancePct: number | null;
  /** (authorised + unauthorised) / possible * 100, rounded to 2 decimals; null when possible = 0. */
  absencePct: number | null;
  /** Absence sessions / 2. */
  daysMissed: number;
  /** daysMissed * calendar lessonsPerDay. */
  lessonsMissed: number;
  /** absence >= 10% of possible sessions. */
  persistentAbsence: boolean;
  /** absence >= 50% of possible sessions. */
  severeAbsence: boolean;
}

export interface PenaltyThresholdFacts {
  /** >= threshold sessions of the counting codes in the rolling window of school weeks. */
  met: boolean;
  sessions: number;
  threshold: number;
  windowSchoolWeeks: number;
  from: IsoDate;
  to: IsoDate;
  countingCodes: string[];
  /** `N` sessions among `sessions` still within their grace period (0 when N is not a counting
   * code). Absent in figures computed before it was added. */
  unexplainedInGrace?: number;
}

export interface IllnessSignals {
  /** Sessions coded I or M in the window. */
  illnessSessions: number;
  /** Share (0..1) of absence sessions that fall on a Monday or a Friday. */
  mondayFridayShare: number;
  /** Share (0..1) of absence sessions on a school day adjacent to a holiday/closure/half term. */
  besideHolidayShare: number;
  /** True when the absence pattern clusters on Mondays/Fridays or beside holidays (see docs/attendance-maths.md). */
  clustered: boolean;
  /** Share (0..1) of the illness sessions (I, M) that fall on a Monday or a Friday. Absent in older figures. */
  illnessMondayFridayShare?: number;
  /** Share (0..1) of the illness sessions (I, M) on a school day beside a holiday. Absent in older figures. */
  illnessBesideHolidayShare?: number;
  /** True when the illness sessions themselves cluster on Mondays/Fridays or beside holidays (the
   * same shares as `clustered`, over I/M only). Absent in older figures. */
  illnessClustered?: boolean;
}

export interface TrendFacts {
  /** The previous window of equal length in school weeks, immediately before the current one. */
  previous: WindowStats | null;
  /** Current attendancePct minus previous attendancePct, 2 decimals; null when either is null. */
  changePct: number | null;
  direction: 'improving' | 'declining' | 'steady' | 'unknown';
}

/** Everything the policy engine knows about one pupil on one day. Produced by `computePupilFacts`. */
export interface PupilFacts {
  schoolId: string;
  /** An opaque pupil reference (the store's pupil id, never a name). */
  pupilId: string;
  upn: string;
  asOf: IsoDate;
  yearGroup: number | null;
  flags: PupilFlag[];
  onRoll: boolean;
  windows: Record<StatsWindowKind, WindowStats>;
  penaltyThreshold: PenaltyThresholdFacts;
  /** Longest run of consecutive school days with every possible session unauthorised (for the 10-day return). */
  longestUnauthorisedRunDays: number;
  /** The run that includes `asOf` (0 when the pupil attended on asOf). */
  currentUnauthorisedRunDays: number;
  illness: IllnessSignals;
  trend: TrendFacts;
  /** The school days an `N` was given before it counts (`unexplainedPastGrace`, `unexplainedSpells`):
   * the policy's grace when the caller passed it, else 5. Absent in figures computed before it was added. */
  unexplainedGraceDays?: number;
}
