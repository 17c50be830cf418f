// What the team can record when a task is done, per kind of task, and what each outcome means for
// the case. A step that is work for a person (a call, a home visit, a contract) is done only when
// its outcome is recorded: creating the task is not doing it.
import type { StepKind } from './caseTypes';
import type { TaskOutcomeChoice } from './stepPlan';

const done: TaskOutcomeChoice = { id: 'done', label: 'Done', completesStep: true };

type TaskKind = StepKind | 'phoneCall' | 'postLetter' | 'byHand' | 'deliveryProblem';

const CHOICES: Partial<Record<TaskKind, TaskOutcomeChoice[]>> = {
  phoneCall: [
    { id: 'spoke', label: 'Spoke to a parent/carer', completesStep: true },
    { id: 'noAnswer', label: 'No answer: try again', completesStep: false },
  ],
  homeVisit: [
    { id: 'visited', label: 'Visit made', completesStep: true, records: 'homeVisitCompleted' },
    { id: 'noAccess', label: 'No access', completesStep: true, records: 'homeVisitNoAccess' },
  ],
  attendanceContract: [
    { id: 'signed', label: 'Contract signed', completesStep: true, records: 'contractSigned' },
    { id: 'declined', label: 'Contract declined', completesStep: true, records: 'contractDeclined' },
  ],
  attendancePlan: [{ id: 'agreed', label: 'Plan agreed and in place', completesStep: true }],
  referral: [
    { id: 'made', label: 'Referral made', completesStep: true },
    { id: 'notNeeded', label: 'No referral needed', completesStep: true },
  ],
  // `requested` and `refused` are recorded with the per-parent requests (api/services/penaltyNotices.ts):
  // the 3-year rules are judged for each parent named, and a refusal proposes the next legal option.
  penaltyNoticeConsideration: [
    { id: 'requested', label: 'Penalty notice requested (for each parent named)', completesStep: true },
    { id: 'notRequested', label: 'Decided not to request one', completesStep: true },
    {
      id: 'refused',
      label: 'No notice possible: a third within 3 years (the next legal option instead)',
      completesStep: true,
    },
  ],
  statutoryInterventionRequest: [
    { id: 'submitted', label: 'Request submitted to the council', completesStep: true },
  ],
  councilNotification: [{ id: 'notified', label: 'Local authority notified', completesStep: true }],
  postLetter: [{ id: 'posted', label: 'Printed and posted', completesStep: true }],
  byHand: [{ id: 'done', label: 'Done by hand', completesStep: true }],
  // A letter or message that did not reach the family (Notify's report): the team reaches them
  // another way, or records that it cannot. Either way no step is completed by it.
  deliveryProblem: [
    {
      id: 'reached',
      label: 'Family reached another way (details corrected in the MIS)',
      completesStep: true,
    },
    { id: 'unreachable', label: 'Could not reach the family: noted on the case', completesStep: true },
  ],
};

/** The outcomes a task of this kind can have (a plain "Done" for simple tasks). */
export function outcomeChoicesFor(kind: TaskKind): TaskOutcomeChoice[] {
  return CHOICES[kind] ?? [done];
}
