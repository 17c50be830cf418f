// The figures a letter quotes, taken from a pupil's facts. One function for the case workflow
// (which sends the letter) and the API (which previews it), so the preview is what is sent.
import type { PupilFacts } from './types';

export interface LetterFiguresInput {
  attendancePct: number | null;
  windowLabel: string;
  unauthorised: number;
  unexplained: number;
  lates: number;
  daysMissed: number;
  lessonsMissed: number;
}

export function letterFigures(facts: PupilFacts): LetterFiguresInput {
  const w = facts.windows.rolling10;
  return {
    attendancePct: w.attendancePct,
    windowLabel: `the ${w.schoolWeeks} school weeks to ${w.to}`,
    unauthorised: w.unauthorised,
    unexplained: w.unexplained,
    lates: facts.windows.halfTerm.lateBeforeClose,
    daysMissed: w.daysMissed,
    lessonsMissed: w.lessonsMissed,
  };
}
