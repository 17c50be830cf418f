// Which proposals a simulated team approves (--approve all|none|auto-only): its own module, so the
// command line can parse the option without loading the simulation (docs/what-if.md).
import type { Policy } from '../../domain/policy/schema';
import type { PendingProposal } from '../../workflows/caseMessages';

export type ApproveRule = 'all' | 'none' | 'auto-only';
export const APPROVE_RULES: readonly ApproveRule[] = ['all', 'none', 'auto-only'];

/**
 * Whether the simulated team approves this pending proposal under the run's rule. A case proposes a
 * step the policy runs by itself as the team's when a safeguarding flag holds it, so `auto-only`
 * asks the policy, not the proposal.
 */
export function approvesUnder(rule: ApproveRule, p: Pick<PendingProposal, 'step'>, policy: Policy): boolean {
  if (rule !== 'auto-only') return rule === 'all';
  const step = policy.stages
    .find((st) => st.id === p.step.stageId)
    ?.steps.find((x) => x.id === p.step.stepId);
  return step?.approval === 'auto';
}
