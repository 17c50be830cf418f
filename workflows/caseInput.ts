// What a case workflow is started with, shared by both engines, the sweep that starts cases and the
// tests. Plain JSON: it is recorded in history and carried across continue-as-new.
import type { Policy } from '../domain/policy/schema';
import type { IsoDate } from '../domain/types';

/**
 * The case engine new cases start on. A case keeps the engine it started on for its whole life
 * (carried across continue-as-new), so a release never changes what a running case does without a
 * gate (docs/workflow-versioning.md). Absent in a case's input means engine 1.
 */
export const CURRENT_ENGINE = 2;

export interface CaseSettings {
  timeZone: string;
  /** Local time at which the case looks at the day's figures (after registers close). */
  checkTime: string;
  /** School days an approval may wait before a reminder, then before it goes to a manager. */
  remindAfterSchoolDays: number;
  escalateAfterSchoolDays: number;
  /** Whether the server knows our custom search attributes (the time-skipping server may not). */
  searchAttributes: boolean;
  /**
   * Simulation only: the workflow's clock is shifted so that `simStart` (a school date) falls at
   * `realStartMs`. Lets a school preview a policy on last year's marks on the time-skipping server.
   */
  simulation?: {
    realStartMs: number;
    simStart: IsoDate;
    /**
     * Simulated milliseconds per real one (default 1). Only the cluster's smoke and fault tests set
     * it: on a real server, which cannot skip time, a school day then passes in a second and a
     * monitoring window in half a minute, on the same durable timers. Absent, every figure the clock
     * gives is what it gave before the field existed, so running cases replay unchanged.
     */
    rate?: number;
  };
  /** How long one attempt to send may take before it is presumed lost and retried (default 2 minutes). */
  sendAttemptTimeout?: string;
  /** Engine 2: attempts at a send before the step becomes a task for a person (default 5). */
  sendAttempts?: number;
}

export interface AttendanceCaseInput {
  caseId: string;
  schoolId: string;
  pupilId: string;
  policy: Policy;
  settings: CaseSettings;
  /** The case engine this case runs on (see CURRENT_ENGINE); absent for cases started on engine 1. */
  engine?: number;
  /** The case's state, carried across continue-as-new; each engine has its own shape. */
  carried?: unknown;
}

/** The engine a case runs on. */
export function engineOf(input: Pick<AttendanceCaseInput, 'engine'>): number {
  return input.engine ?? 1;
}
