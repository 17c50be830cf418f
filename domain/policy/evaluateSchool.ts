// One row per pupil for `attendance evaluate --json`: where each pupil stands under a policy today.
import type { CaseState, StepKind } from '../caseTypes';
import type { IsoDate, PupilFacts } from '../types';
import type { SchoolDays } from './calendarPort';
import { decide, emptyCaseState, type DecideOptions } from './decide';
import type { Policy } from './schema';

export interface PupilFigures {
  rolling10Pct: number | null;
  halfTermPct: number | null;
  termPct: number | null;
  ytdPct: number | null;
  latesHalfTerm: number;
  unexplainedHalfTerm: number;
  unauthorisedHalfTerm: number;
  /** Days and lessons missed over the rolling 10 school weeks, computed from the calendar. */
  daysMissed: number;
  lessonsMissed: number;
  persistentAbsence: boolean;
  severeAbsence: boolean;
  penaltyThresholdMet: boolean;
  penaltySessions: number;
  illnessSessions: number;
  flags: string[];
}

export interface PupilEvaluation {
  upn: string;
  pupilId: string;
  /** The stage id the pupil would be at (a new case opens here), or null for no case. */
  stage: string | null;
  stageName: string | null;
  change: string;
  /** Rolling 10 school weeks attendance %. */
  attendance: number | null;
  reasons: string[];
  nextSteps: { stepId: string; kind: StepKind; title: string }[];
  nextCheckOn: IsoDate | null;
  figures: PupilFigures;
}

/**
 * Evaluate every pupil against the policy as a sweep would: a pupil with no open case is judged
 * from an empty case state; pass `cases` (by pupilId) to judge open cases from their state instead.
 * `options.engine` is the engine to judge as (the sweep judges as the engine new cases start on).
 */
export function evaluatePupils(
  policy: Policy,
  facts: PupilFacts[],
  today: IsoDate,
  calendar: SchoolDays,
  cases: Record<string, CaseState> = {},
  options: DecideOptions = {},
): PupilEvaluation[] {
  return facts.map((f) => {
    const d = decide(policy, cases[f.pupilId] ?? emptyCaseState(), f, today, calendar, options);
    const r10 = f.windows.rolling10;
    const half = f.windows.halfTerm;
    return {
      upn: f.upn,
      pupilId: f.pupilId,
      stage: d.stageId,
      stageName: d.stageName ?? null,
      change: d.change,
      attendance: r10.attendancePct,
      reasons: d.reasons.map((r) => r.text),
      nextSteps: d.stepsDue.map((s) => ({ stepId: s.stepId, kind: s.kind, title: s.title })),
      nextCheckOn: d.nextCheckOn,
      figures: {
        rolling10Pct: r10.attendancePct,
        halfTermPct: half.attendancePct,
        termPct: f.windows.term.attendancePct,
        ytdPct: f.windows.ytd.attendancePct,
        latesHalfTerm: half.lateBeforeClose,
        unexplainedHalfTerm: half.unexplained,
        unauthorisedHalfTerm: half.unauthorised,
        daysMissed: r10.daysMissed,
        lessonsMissed: r10.lessonsMissed,
        persistentAbsence: f.windows.ytd.persistentAbsence,
        severeAbsence: f.windows.ytd.severeAbsence,
        penaltyThresholdMet: f.penaltyThreshold.met,
        penaltySessions: f.penaltyThreshold.sessions,
        illnessSessions: f.illness.illnessSessions,
        flags: [...f.flags],
      },
    };
  });
}
