// The figures a letter quotes, taken from a pupil's facts. One function for the case workflow
// (which sends the letter) and the API (which previews it), so the preview is what is sent. Each
// figure is computed here once; letters/merge.ts only says it in words (letters/format.ts), and the
// case and pupil pages show the same WindowStats fields these come from.
import type { IsoDate, PupilFacts } from './types';

export interface LetterFiguresInput {
  /** Attendance % over the period (2 decimals, as the domain computes it); null with no possible sessions. */
  attendancePct: number | null;
  /** "the 10 school weeks to 2025-03-14": kept for letters planned before the period's dates were carried. */
  windowLabel: string;
  /** Unauthorised sessions, including those still without a reason (N). */
  unauthorised: number;
  /** Sessions with no reason yet (N). */
  unexplained: number;
  /** Late arrivals before the register closed, this half term. */
  lates: number;
  daysMissed: number;
  lessonsMissed: number;

  // Added for letters written for parents. Optional because letters planned before them (recipes in
  // workflow history, engine-1 sends in flight) do not carry them: the merge then says less, never
  // something untrue.
  /** The period's first and last school days (the rolling 10 school weeks). */
  from?: IsoDate;
  to?: IsoDate;
  schoolWeeks?: number;
  /** Sessions the pupil could have attended in the period (two a school day, from their start date). */
  possibleSessions?: number;
  /** Sessions missed: authorised and unauthorised absence. */
  sessionsMissed?: number;
  /** Sessions recorded as illness or a medical appointment (I, M). */
  illnessSessions?: number;
  /** Absence of 10% or more of possible sessions; of 50% or more. */
  persistentAbsence?: boolean;
  severeAbsence?: boolean;
  /** Sessions of the policy's penalty-notice codes in the national framework's rolling 10 school weeks. */
  penaltySessions?: number;
}

export function letterFigures(facts: PupilFacts): LetterFiguresInput {
  const w = facts.windows.rolling10;
  const half = facts.windows.halfTerm;
  return {
    attendancePct: w.attendancePct,
    windowLabel: `the ${w.schoolWeeks} school weeks to ${w.to}`,
    unauthorised: w.unauthorised,
    unexplained: w.unexplained,
    lates: half.lateBeforeClose,
    daysMissed: w.daysMissed,
    lessonsMissed: w.lessonsMissed,
    from: w.from,
    to: w.to,
    schoolWeeks: w.schoolWeeks,
    possibleSessions: w.possible,
    sessionsMissed: w.authorised + w.unauthorised,
    illnessSessions: facts.illness.illnessSessions,
    persistentAbsence: w.persistentAbsence,
    severeAbsence: w.severeAbsence,
    penaltySessions: facts.penaltyThreshold.sessions,
  };
}

/**
 * Whether the figures allow a letter to mention penalty notices at all, for a letter with no story
 * (engine 1): the same rule the case's story uses, some absence of the codes the policy counts.
 * Figures planned before `penaltySessions` was carried never mention them.
 */
export function penaltyPossibleFrom(f: LetterFiguresInput): boolean {
  return (f.penaltySessions ?? 0) > 0;
}
