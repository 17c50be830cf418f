// The messages a pupil case understands, shared by the workflow, the API and the tests.
// Each takes a single object argument (so fields can be added without breaking callers).
// Updates carry the acting user's id and role: history is the audit trail of human decisions.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { IsoDate, PupilFacts } from '../domain/types';
import type { CaseState, OutcomeKind, ProposedStep, Reason } from '../domain/caseTypes';
import type { StepPlan, TaskOutcomeChoice } from '../domain/stepPlan';
import type { AttendanceCaseInput } from './caseInput';

export type Role = 'officer' | 'manager' | 'admin';
export interface Actor {
  /** The user's id (not their name): who decided is resolved against the users table. */
  userId: string;
  role: Role;
}

/**
 * The API's signature over a decision (temporal/actorClaims.ts): the case acts only on an actor whose
 * signature it has verified, so a caller who can reach Temporal cannot decide in a person's name.
 */
export interface ActorSignature {
  /** The signed claim (case, Update, digest of the message, actor, time), base64url JSON. */
  claim: string;
  /** Ed25519 signature over `claim`, base64url. */
  sig: string;
}

// ---------------------------------------------------------------------------------------------
// Signals: from the system (the daily sweep)

export interface FactsUpdate {
  facts: PupilFacts;
  /** A digest of the facts; the case ignores an update whose digest it has already seen. */
  digest: string;
  /**
   * The sweep judged, as the case would, that today's decision changes (docs/cost.md): a case whose
   * checks the sweep makes acts on it even when the figures are ones it has seen.
   */
  act?: boolean;
}
export const factsUpdated = defineSignal<[FactsUpdate]>('factsUpdated');

/** Engine 2: mail that was held in the outbox (no SMTP server then) has now been sent. */
export interface DeliveryUpdate {
  /** The send's id (the letter's id): outbox rows carry it as `ref`. */
  ref: string;
  /** How many messages of that send went now. */
  sent: number;
  /** The school day they went, and who sent them from the outbox. */
  on: IsoDate;
  actor: Actor;
}
export const deliveryUpdated = defineSignal<[DeliveryUpdate]>('deliveryUpdated');

/**
 * What a delivery service (GOV.UK Notify) later said became of one message or posted letter: it
 * reached the family, it was printed and posted, it could not be delivered, or it came back. A
 * failure or a return carries a task for the team (made in the store by whoever reports it).
 */
export interface DeliveryStatusUpdate {
  /** The send's id (the letter's id): outbox rows carry it as `ref`. */
  ref: string;
  /** The outbox row reported on: one parent/carer's email, text or posted copy. */
  outboxKey: string;
  channel: 'email' | 'sms' | 'app' | 'post';
  outcome: 'delivered' | 'posted' | 'failed' | 'returned';
  /** The provider's reason, said plainly (e.g. "the email address does not exist"). */
  detail?: string;
  /** The school day it was reported. */
  on: IsoDate;
  /** With a failure or a return: the team's task to find another way to reach the family. */
  task?: { taskId: string; title: string };
}
export const deliveryStatusChanged = defineSignal<[DeliveryStatusUpdate]>('deliveryStatusChanged');

/** Engine 2: the school's calendar was imported again (e.g. next year's terms): read it afresh. */
export const calendarUpdated = defineSignal<[{ lastSchoolDay: IsoDate }]>('calendarUpdated');

// ---------------------------------------------------------------------------------------------
// Updates: from the attendance team and managers

export interface StepDecision {
  proposalId: string;
  decision: 'approve' | 'reject' | 'amend';
  actor: Actor;
  /** Added by the client that sends it (actorSigningInterceptor). */
  signed?: ActorSignature;
  /** Required when rejecting. */
  reason?: string;
  /** For `amend`: replaces the letter's body text, or the meeting's start time. */
  amendedText?: string;
  amendedMeetingStart?: string; // ISO date-time
  /**
   * Engine 2: the hash of the plan the person saw (the preview's), so a decision about a letter
   * that has since changed is refused; with an amendment, the hash of the amended plan.
   */
  planHash?: string;
  /** Engine 2: the amended plan (the API renders it from the amended text), sent as approved. */
  amendedPlan?: StepPlan;
}
export interface StepDecisionResult {
  proposalId: string;
  status: 'approved' | 'rejected' | 'amended';
}
export const decideStep = defineUpdate<StepDecisionResult, [StepDecision]>('decideStep');

export interface HumanEvent {
  actor: Actor;
  /** Added by the client that sends it (actorSigningInterceptor). */
  signed?: ActorSignature;
  /** The school day it happened (defaults to today). */
  on?: IsoDate;
  note?: string;
  event:
    | { type: 'outcome'; outcome: OutcomeKind; stepId?: string }
    | { type: 'pause'; reason: string }
    | { type: 'resume' }
    | { type: 'close'; reason: string }
    | { type: 'note' };
}
export interface HumanEventResult {
  accepted: true;
  timelineIndex: number;
}
export const recordEvent = defineUpdate<HumanEventResult, [HumanEvent]>('recordEvent');

/** Engine 2: the outcome of a task the case created (a call made, a home visit, a contract signed). */
export interface TaskOutcome {
  actor: Actor;
  /** Added by the client that sends it (actorSigningInterceptor). */
  signed?: ActorSignature;
  taskId: string;
  /** One of the task's outcome choices (domain/taskOutcomes.ts). */
  outcome: string;
  /** The school day it happened (defaults to today; never in the future). */
  on?: IsoDate;
  note?: string;
  /**
   * A penalty-notice consideration where the 3-year rules refuse a notice (a third within 3 years of
   * the first): why, for the case to propose the next legal option to a manager instead.
   */
  nextLegalOption?: { reason: string };
}
export const completeTask = defineUpdate<HumanEventResult, [TaskOutcome]>('completeTask');

// ---------------------------------------------------------------------------------------------
// Queries: inspection

export type TimelineType =
  | 'opened'
  | 'stageChanged'
  | 'proposed'
  | 'approved'
  | 'rejected'
  | 'amended'
  | 'reminderSent'
  | 'escalatedToManager'
  | 'letterSent'
  | 'messageSent'
  | 'meetingBooked'
  | 'taskCreated'
  | 'councilNotified'
  | 'stepFailed'
  | 'outcomeRecorded'
  | 'paused'
  | 'resumed'
  | 'note'
  | 'check'
  | 'closed'
  // engine 2
  | 'letterHeld'
  | 'messageHeld'
  | 'toPost'
  | 'deliveryCompleted'
  /** A delivery service's later report: delivered, printed and posted, failed, or returned. */
  | 'deliveryStatus'
  | 'taskCompleted'
  | 'taskAttempt'
  | 'withdrawn'
  | 'calendarEnded'
  | 'calendarResumed'
  /** The end of a notice to improve's improvement period, and the judgement on it. */
  | 'periodJudged';

export interface TimelineEvent {
  /** Workflow time, ISO date-time. */
  at: string;
  /** The school date it belongs to. */
  date: IsoDate;
  type: TimelineType;
  stageId: string | null;
  text: string;
  reasons?: Reason[];
  stepId?: string;
  template?: string;
  proposalId?: string;
  actor?: Actor;
  /** Letter / meeting / task id in the store, for evidence links. */
  ref?: string;
}

export interface PendingProposal {
  proposalId: string;
  step: ProposedStep;
  /** Engine 2: exactly what approving it will do (the letter as it will be sent). */
  plan?: StepPlan;
  proposedAt: string;
  proposedOn: IsoDate;
  /** Who may decide it. */
  approver: 'team' | 'manager';
  remindedAt?: string;
  escalatedAt?: string;
}

export interface CaseView {
  caseId: string;
  schoolId: string;
  pupilId: string;
  policyId: string;
  policyVersion: string;
  status: 'open' | 'paused' | 'closed';
  stageId: string | null;
  stageName: string | null;
  openedOn: IsoDate;
  today: IsoDate;
  monitoringUntil: IsoDate | null;
  pending: PendingProposal[];
  next: { on: IsoDate | null; action: string; reasons: Reason[] };
  latestFacts: {
    asOf: IsoDate;
    attendancePct: number | null;
    unauthorised: number;
    unexplained: number;
    lates: number;
  } | null;
  timeline: TimelineEvent[];
  closedReason?: string;
  /** The policy engine's state (stage, windows, steps done, outcomes): for inspection and the sweep. */
  caseState: CaseState;
  /** The case engine it runs on (absent: engine 1). */
  engine?: number;
  /**
   * Engine 2 from the `sweep-checks` patch: the daily sweep makes this case's routine checks and
   * wakes it only when a decision changes; the case sleeps until a date that can change one.
   */
  sweepChecks?: boolean;
  /** The last school day the daily sweep checked this case and found nothing to change (store/cases.ts). */
  sweptOn?: IsoDate;
  /** Engine 2: the tasks the case made for people, open and done. */
  tasks?: CaseTask[];
  /** Engine 2: increases with every projection of the case; the read model never goes backwards. */
  version?: number;
  pausedReason?: string;
}

/** Engine 2: work for a person that the case made, and what came of it. */
export interface CaseTask {
  taskId: string;
  stageId: string;
  stepId: string;
  kind: string;
  title: string;
  dueOn: IsoDate;
  createdOn: IsoDate;
  /** Who it is for: a user id, or 'team' / 'manager'. */
  owner: string;
  /**
   * Why it exists: a step's work, posting a letter, a step done by hand, next year's calendar, or a
   * letter or message the family did not get (a delivery problem: it completes no step).
   */
  purpose: 'step' | 'post' | 'byHand' | 'calendar' | 'delivery';
  outcomes: TaskOutcomeChoice[];
  status: 'open' | 'done';
  /** The latest outcome recorded (a call with no answer keeps the task open). */
  outcome?: string;
  completedOn?: IsoDate;
  completedBy?: Actor;
  note?: string;
  /** The script of a call, or notes for whoever does it. */
  notes?: string;
}
export const getCaseView = defineQuery<CaseView>('getCaseView');
/**
 * Engine 2: the input a new run of this case would start with, its state carried. The demo school
 * uses it to move the cases of its replayed term from the simulation's server to the live one
 * (api/demo/history.ts). A query records nothing in history, so adding it changes no running case.
 */
export const carriedState = defineQuery<AttendanceCaseInput>('carriedState');
