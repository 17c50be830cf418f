// The one place that decides how a step is carried out. Engine 2's planning, performing and preview
// all ask this; before, the workflow and the messaging activity each decided, and Bradford's
// phone message became a bare task with no script.
import type { ProposedStep, StepKind } from './caseTypes';

export type StepRoute =
  /** A letter: rendered, kept as evidence with its PDF, emailed or posted. */
  | 'letter'
  /** A short written message (app, text, email). */
  | 'message'
  /** A phone call or a conversation for a person to have, with its script. */
  | 'call'
  /** A meeting booked in the school's diary, with invitations. */
  | 'meeting'
  /** Work for a person, done when its outcome is recorded. */
  | 'task';

export function routeOf(step: Pick<ProposedStep, 'kind' | 'channel' | 'noticeSchoolDays'>): StepRoute {
  switch (step.kind) {
    case 'letter':
    case 'noticeToImprove': // a letter that also sets the improvement period
      return 'letter';
    case 'message':
      return step.channel === 'phone' || step.channel === 'inPerson' || step.channel === 'none'
        ? 'call'
        : 'message';
    case 'meeting':
      return 'meeting';
    case 'homeVisit':
      // An announced visit (the policy gives notice for it) is booked in the diary and the family
      // told its date; any other visit is work for a person to arrange.
      return step.noticeSchoolDays !== undefined ? 'meeting' : 'task';
    default:
      return 'task';
  }
}

/** Steps that hand a case to the local authority: where the council's evidence pack is drafted. */
export const REFERRAL_STEP_KINDS: ReadonlySet<string> = new Set<StepKind>([
  'referral',
  'statutoryInterventionRequest',
  'councilNotification',
]);
