// A stand-in for the attendanceCase workflow with the same messages and the same kind of validators,
// so the API's mapping of Updates (accepted, refused by the validator, workflow gone) is tested on a
// real Temporal server independently of the policy engine.
import { condition, setHandler } from '@temporalio/workflow';
import {
  decideStep,
  getCaseView,
  recordEvent,
  type CaseView,
  type StepDecision,
  type StepDecisionResult,
  type HumanEvent,
} from '../../../workflows/caseMessages';

export async function fakeCase(input: { view: CaseView }): Promise<string> {
  const view: CaseView = {
    ...input.view,
    timeline: [...input.view.timeline],
    pending: [...input.view.pending],
  };
  const decided = new Set<string>();
  setHandler(getCaseView, () => view);
  setHandler(
    decideStep,
    (d: StepDecision) => {
      decided.add(d.proposalId);
      view.pending = view.pending.filter((p) => p.proposalId !== d.proposalId);
      const status: StepDecisionResult['status'] =
        d.decision === 'approve' ? 'approved' : d.decision === 'reject' ? 'rejected' : 'amended';
      view.timeline.push({
        at: new Date().toISOString(),
        date: view.today,
        type: status,
        stageId: view.stageId,
        text: `${d.proposalId}: ${status}`,
        actor: d.actor,
      });
      return { proposalId: d.proposalId, status };
    },
    {
      validator: (d: StepDecision) => {
        if (decided.has(d.proposalId)) throw new Error(`proposal ${d.proposalId} has already been decided`);
        const p = view.pending.find((x) => x.proposalId === d.proposalId);
        if (!p)
          throw new Error(`proposal ${d.proposalId} is not pending on this case (already decided or stale)`);
        if (p.approver === 'manager' && d.actor.role === 'officer')
          throw new Error('this step is reserved for a manager');
      },
    },
  );
  setHandler(
    recordEvent,
    (e: HumanEvent) => {
      if (e.event.type === 'close') view.status = 'closed';
      view.timeline.push({
        at: new Date().toISOString(),
        date: view.today,
        type: e.event.type === 'close' ? 'closed' : 'note',
        stageId: view.stageId,
        text: e.note ?? e.event.type,
        actor: e.actor,
      });
      return { accepted: true as const, timelineIndex: view.timeline.length - 1 };
    },
    {
      validator: (_e: HumanEvent) => {
        if (view.status === 'closed') throw new Error('this case is closed');
      },
    },
  );
  await condition(() => view.status === 'closed');
  return 'closed';
}
