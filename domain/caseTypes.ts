// The contract between the policy engine (`decide`) and the attendanceCase workflow.
// Plain JSON only: this state lives in Temporal workflow history and continue-as-new payloads.
import type { IsoDate } from './types';

export const STEP_KINDS = [
  'message',
  'letter',
  'meeting',
  'homeVisit',
  'attendanceContract',
  'attendancePlan',
  'referral',
  'penaltyNoticeConsideration',
  'noticeToImprove',
  'statutoryInterventionRequest',
  'councilNotification',
  'staffTask',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Who must approve a step before it runs. `auto` steps run by themselves (timed letters). */
export type StepApproval = 'auto' | 'team' | 'manager';

export type Channel = 'email' | 'letter' | 'sms' | 'app' | 'phone' | 'inPerson' | 'none';

/** Things the attendance team records that policies can react to. */
export const OUTCOME_KINDS = [
  'meetingAttended',
  'meetingMissed',
  'contractSigned',
  'contractDeclined',
  'medicalEvidenceReceived',
  'noMedicalEvidence',
  'homeVisitCompleted',
  'homeVisitNoAccess',
  'planReviewedImproved',
  'planReviewedNotImproved',
] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

export interface RecordedOutcome {
  kind: OutcomeKind;
  on: IsoDate;
  /** The step the outcome belongs to, when there is one (e.g. the meeting). */
  stepId?: string;
  /** The stage the case was at when the outcome was recorded (set by `recordOutcome`). */
  stageId?: string;
}

export interface CompletedStep {
  stageId: string;
  stepId: string;
  on: IsoDate;
  /** done: ran (sent/booked/task created); rejected: the team said no; skipped: conditions not met. */
  result: 'done' | 'rejected' | 'skipped';
}

/**
 * A snapshot of the figures the case is judged against for "improvement". The counts are year to
 * date, so a window's own figures are the year-to-date figures now minus these. The optional counts
 * are absent in baselines taken before they were added; engine 2 then judges as engine 1 does.
 */
export interface Baseline {
  on: IsoDate;
  attendancePct: number | null;
  unauthorised: number;
  unexplained: number;
  lates: number;
  /** Possible sessions. */
  possible?: number;
  /** Sessions attended: present (including L) or at an approved educational activity. */
  attended?: number;
  /** Illness and medical sessions (I, M). */
  illness?: number;
  /** Spells of absence with an N past its grace (each counted once). */
  unexplainedSpells?: number;
}

export interface CaseState {
  stageId: string | null;
  stageEnteredOn: IsoDate | null;
  /** Figures when the current stage (or the current monitoring window) began. */
  baseline: Baseline | null;
  completedSteps: CompletedStep[];
  /** End of the current monitoring window (a school day), null when not monitoring. */
  monitoringUntil: IsoDate | null;
  outcomes: RecordedOutcome[];
  /** Highest stage reached in this case (for "continued ... despite support" triggers). */
  highestStageId: string | null;
  /** The step whose completion started the current monitoring window; null/absent when the stage
   * entry (or a rolling review) started it. Lets policies say "no improvement after the plan". */
  monitoringStartedBy?: string | null;
  /** Set when the case was closed (`baseline` then holds the figures at closure): a sweep passing this
   * state reopens on a count trigger (lates, unexplained, unauthorised) only for new marks since then. */
  closedOn?: IsoDate | null;
  /** How the case came to its current stage (absent in states from before it was recorded). */
  stageEnteredBy?: 'open' | 'escalate' | 'deescalate';
}

/** One reason, human-readable and carrying the figures that produced it. */
export interface Reason {
  /** e.g. "stage-two.entry.attendance-below-90" — the rule path inside the policy file. */
  rule: string;
  text: string;
}

export interface ProposedStep {
  stageId: string;
  stepId: string;
  kind: StepKind;
  title: string;
  template?: string;
  channel: Channel;
  approval: StepApproval;
  /** Wait after this step before the next step of the stage, in school days (0 = none). */
  waitAfterSchoolDays: number;
  /** Minimum notice, in school days, for meetings. */
  noticeSchoolDays?: number;
  /** The wait exactly as the policy states it (school weeks are not always 5 school days). */
  waitAfter?: { schoolWeeks?: number; schoolDays?: number };
  /** True when the wait after this step is a monitoring window (baseline taken when the step is done). */
  startsMonitoring?: boolean;
  /**
   * `law`: not a step of the policy but one the law puts next (the next legal option when no third
   * penalty notice may be issued). It is proposed and carried out like any step, and leaves the
   * policy's own sequence as it is.
   */
  origin?: 'law';
  reasons: Reason[];
}

export type StageChange = 'none' | 'open' | 'escalate' | 'deescalate' | 'close';

export interface Decision {
  stageId: string | null;
  change: StageChange;
  /** Steps due now, in policy order. The workflow runs them in order, honouring each wait. */
  stepsDue: ProposedStep[];
  /** The next school day the case should be re-evaluated (check cadence / end of window). */
  nextCheckOn: IsoDate | null;
  /**
   * The next school day on which the passing of time alone can change this decision (the end of a
   * monitoring window, a step's wait): the cadence's checks left out. A case that lets the daily
   * sweep make its checks (docs/cost.md) sleeps until this day; null, until a message wakes it.
   */
  nextDecisionOn?: IsoDate | null;
  /** Why the case is at this stage (entry rules that matched, with figures). */
  reasons: Reason[];
  /** Set when change === 'close'. */
  closeReason?: string;
  /** Set when the stage (or a step) starts a monitoring window: its end, a school day. */
  monitoringUntil?: IsoDate | null;
  /** True when this decision itself starts a monitoring window (stage entry or a rolling review):
   * the workflow takes a new baseline (`applyDecision` does). */
  windowStarted?: boolean;
  /** Steps whose conditions did not hold when their turn came: record them as `skipped`. */
  stepsSkipped?: ProposedStep[];
  /** Steps not yet due and what they wait for (a date, an outcome, the end of the window). */
  pending?: { stepId: string; title: string; waitingFor: string; readyOn?: IsoDate }[];
  /** The stage's display name, for people reading the decision. */
  stageName?: string | null;
}
