// The messages a pupil case understands, shared by the workflow, the API and the tests.
// Each takes a single object argument (so fields can be added without breaking callers).
// Updates carry the acting user's id and role: history is the audit trail of human decisions.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { IsoDate, PupilFacts } from '../domain/types';
import type { CaseState, OutcomeKind, ProposedStep, Reason } from '../domain/caseTypes';

export type Role = 'officer' | 'manager' | 'admin';
export interface Actor {
  /** The user's id (not their name): who decided is resolved against the users table. */
  userId: string;
  role: Role;
}

// ---------------------------------------------------------------------------------------------
// Signals: from the system (the daily sweep)

export interface FactsUpdate {
  facts: PupilFacts;
  /** A digest of the facts; the case ignores an update whose digest it has already seen. */
  digest: string;
}
export const factsUpdated = defineSignal<[FactsUpdate]>('factsUpdated');

// ---------------------------------------------------------------------------------------------
// Updates: from the attendance team and managers

export interface StepDecision {
  proposalId: string;
  decision: 'approve' | 'reject' | 'amend';
  actor: Actor;
  /** Required when rejecting. */
  reason?: string;
  /** For `amend`: replaces the letter's body text, or the meeting's start time. */
  amendedText?: string;
  amendedMeetingStart?: string; // ISO date-time
}
export interface StepDecisionResult {
  proposalId: string;
  status: 'approved' | 'rejected' | 'amended';
}
export const decideStep = defineUpdate<StepDecisionResult, [StepDecision]>('decideStep');

export interface HumanEvent {
  actor: Actor;
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
  | 'closed';

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
}
export const getCaseView = defineQuery<CaseView>('getCaseView');
