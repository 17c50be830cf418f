// penaltyThreshold: the national penalty-notice threshold is met (true) or not (false). It only
// ever leads to a notice being considered (a manager's step), never to one being issued. Engine 2
// (with the policy's grace) leaves out N sessions still within their grace period.
import { z } from 'zod';
import { graceNote } from './counts';
import { defineCondition } from './kind';

export const penaltyThreshold = defineCondition({
  schema: z
    .boolean()
    .optional()
    .describe(
      'The national penalty-notice threshold is met (true) or not (false). Only ever leads to consideration.',
    ),
  holds(wanted, ctx) {
    const { facts, policy } = ctx;
    const p = facts.penaltyThreshold;
    const waiting = ctx.unexplainedGrace === null ? 0 : (p.unexplainedInGrace ?? 0);
    const sessions = p.sessions - waiting;
    const met = waiting === 0 ? p.met : sessions >= p.threshold;
    if (met !== wanted) return null;
    // The figures count the codes the statistics were computed with; say so when the policy differs.
    const codes = [...p.countingCodes].sort().join('');
    const policyCodes = [...policy.penaltyNotice.countingCodes].sort().join('');
    return (
      `${sessions} sessions of ${p.countingCodes.join('/')} in the ${p.windowSchoolWeeks} school weeks ${p.from} to ${p.to}` +
      (waiting > 0
        ? ` (not counting ${waiting} N session${waiting === 1 ? '' : 's'} still within ${ctx.unexplainedGrace} school days)${graceNote(ctx)}`
        : '') +
      (met
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
