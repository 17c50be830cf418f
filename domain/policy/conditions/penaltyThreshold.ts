// penaltyThreshold: the national penalty-notice threshold is met (true) or not (false). It only
// ever leads to a notice being considered (a manager's step), never to one being issued.
import { z } from 'zod';
import { defineCondition } from './kind';

export const penaltyThreshold = defineCondition({
  schema: z
    .boolean()
    .optional()
    .describe(
      'The national penalty-notice threshold is met (true) or not (false). Only ever leads to consideration.',
    ),
  holds(wanted, { facts, policy }) {
    const p = facts.penaltyThreshold;
    if (p.met !== wanted) return null;
    // The figures count the codes the statistics were computed with; say so when the policy differs.
    const codes = [...p.countingCodes].sort().join('');
    const policyCodes = [...policy.penaltyNotice.countingCodes].sort().join('');
    return (
      `${p.sessions} sessions of ${p.countingCodes.join('/')} in the ${p.windowSchoolWeeks} school weeks ${p.from} to ${p.to}` +
      (p.met
        ? ` meet the penalty-notice threshold of ${p.threshold}: a notice must be considered, never issued automatically`
        : ` are under the penalty-notice threshold of ${p.threshold}`) +
      (codes === policyCodes
        ? ''
        : ` (note: the policy counts ${policy.penaltyNotice.countingCodes.join('/')})`)
    );
  },
  describe: (wanted) =>
    wanted ? 'the penalty-notice threshold is met' : 'the penalty-notice threshold is not met',
});
