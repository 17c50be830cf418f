// The whole state of an engine-2 case: plain JSON, carried across continue-as-new, projected to the
// read model. Everything the case knows lives here; the entity (entity.ts) changes it.
import type { CaseState, ProposedStep } from '../../domain/caseTypes';
import { emptyCaseState } from '../../domain/policy/decide';
import type { IsoDate, PupilFacts } from '../../domain/types';
import type { CaseTask, CaseView, PendingProposal, StepDecision, TimelineEvent } from '../caseMessages';
import type { CaseContact } from './story';

export interface CaseRecord {
  engine: 2;
  status: 'open' | 'paused' | 'closed';
  /** Why the case is paused, and by whom: the team, or the school calendar running out. */
  pausedReason?: string;
  pausedFor?: 'team' | 'calendar';
  openedOn: IsoDate | null;
  caseState: CaseState;
  timeline: TimelineEvent[];
  /** The proposal waiting for a person (the case proposes one step at a time). */
  pending: PendingProposal[];
  /** Decisions received for pending proposals, taken up by the loop. */
  decisions: Record<string, StepDecision>;
  latestFacts: PupilFacts | null;
  factsDigest: string | null;
  /** Set when new figures arrive; the loop clears it when it has looked at them. */
  freshFacts: boolean;
  next: CaseView['next'];
  closedReason?: string;
  tasks: CaseTask[];
  /** What the family has had from the school on this case, for later letters to name with dates. */
  contacts: CaseContact[];
  /** Counts projections: the read model keeps the highest it has seen. */
  version: number;
  /** Steps the law puts next (the next legal option), waiting to be proposed. */
  lawSteps?: ProposedStep[];
  /** The notice-to-improve periods already judged (`stepId@until`), so each is judged once. */
  judgedPeriods?: string[];
  /**
   * The daily sweep makes this case's routine checks (the `sweep-checks` patch, docs/cost.md): the
   * case sleeps until a date that can change a decision, or until the sweep wakes it.
   */
  sweepChecks?: boolean;
  /**
   * Delivery reports already on the timeline (`outboxKey|outcome`): the scheduled check and Notify's
   * callback may both report one, and the timeline says it once.
   */
  deliveryReports?: string[];
}

export function newCaseRecord(): CaseRecord {
  return {
    engine: 2,
    status: 'open',
    openedOn: null,
    caseState: emptyCaseState(),
    timeline: [],
    pending: [],
    decisions: {},
    latestFacts: null,
    factsDigest: null,
    freshFacts: false,
    next: { on: null, action: 'first check', reasons: [] },
    tasks: [],
    contacts: [],
    version: 0,
  };
}
