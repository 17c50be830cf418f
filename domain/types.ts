// Shared shapes that cross rooms: the attendance store produces them, the policy engine and the
// workflows consume them. Everything here is plain JSON (ISO date strings, no Date objects) so it
// can travel through Temporal payloads and the HTTP API unchanged.

/** An ISO calendar date, `YYYY-MM-DD`, always in the school's local (UK) calendar. */
export type IsoDate = string;

export type Session = 'AM' | 'PM';

export const PUPIL_FLAGS = ['cin', 'cp', 'send', 'ehcp', 'lac', 'young_carer'] as const;
export type PupilFlag = (typeof PUPIL_FLAGS)[number];

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
}
