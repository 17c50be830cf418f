// A notice to improve (DOMAIN.md, "Notice to improve"): a final chance before a penalty notice. The
// letter sets an improvement period of 3 to 6 school weeks and says what "sufficient improvement"
// means for this family, in numbers they can check; the case waits to the period's end on a durable
// timer and judges it by the same rule the letter states (the stage's improvement rule, as `decide`
// judges every monitoring window). Pure: the workflow builds it when it plans the letter.
import { addDuration, type SchoolDays } from './policy/calendarPort';
import { windowAttendanceNeed } from './policy/decide';
import type { Policy, Stage, Step } from './policy/schema';
import { percent2 } from './percent';
import type { IsoDate } from './types';

/** The notice's improvement period and its measure: what the letter tells the family, as facts. */
export interface NoticeToImprove {
  /** The first school day of the period: the school day after the letter's date. */
  from: IsoDate;
  /** Its last school day: the day the period is judged (at the day's check, after the registers). */
  to: IsoDate;
  schoolDays: number;
  /** Sessions in the period (two a school day). */
  sessions: number;
  /** Attendance over the period must be at least `attendancePct` (above it, when `above`). */
  attendancePct: number;
  above: boolean;
  /** The most sessions the pupil may miss in the period, for any reason, and still reach it. */
  maxMissedSessions: number;
  /** Unauthorised sessions allowed in the period; null when the rule does not count them. */
  maxUnauthorised: number | null;
  /** Absences left with no reason allowed; null when the rule does not count them. */
  maxUnexplained: number | null;
  /** The support the school offers during the period (the policy's words, written for parents). */
  support: string[];
}

/**
 * The notice a letter dated `letterDate` gives: its period runs from the next school day to the end
 * of the step's wait (the monitoring window the case starts when the letter goes).
 */
export function noticeToImproveFor(
  policy: Policy,
  stage: Stage,
  step: Step,
  letterDate: IsoDate,
  calendar: SchoolDays,
): NoticeToImprove {
  if (!step.waitAfter) throw new Error(`step "${step.id}" has no improvement period (waitAfter)`);
  const to = addDuration(calendar, letterDate, step.waitAfter);
  const from = calendar.addSchoolDays(letterDate, 1);
  let schoolDays = 0;
  for (let d = from; d <= to; d = calendar.addSchoolDays(d, 1)) schoolDays++;
  const sessions = schoolDays * 2;
  const need = windowAttendanceNeed(policy, stage);
  const rule = stage.improvement;
  return {
    from,
    to,
    schoolDays,
    sessions,
    attendancePct: need.pct,
    above: need.above,
    maxMissedSessions: maxMissed(sessions, need.holds),
    maxUnauthorised: rule.maxNewUnauthorised ?? (rule.noNewUnauthorised ? 0 : null),
    maxUnexplained: rule.maxNewUnexplained ?? (rule.noNewUnexplained ? 0 : null),
    support: step.support ?? [],
  };
}

/** The most sessions that can be missed out of `sessions` with attendance still meeting the rule. */
export function maxMissed(sessions: number, holds: (pct: number) => boolean): number {
  let missed = -1;
  while (missed + 1 <= sessions && holds(percent2(sessions - (missed + 1), sessions) ?? 0)) missed++;
  return Math.max(0, missed);
}
