// The figure options a policy sets (its penalty-notice counting codes and N's grace), apart from the
// schema so the case workflow can pass them to loadPupilFacts without bundling zod.
import type { Policy } from './schema';

/**
 * The options the statistics (domain/stats.ts `EvaluationOptions`) compute a pupil's figures with
 * under this policy: its penalty counting codes and the school days an N is given before it counts.
 * Every caller that computes figures for a case passes them (the sweep, the case's own reads, the
 * CLI), so the figures are the same whoever computes them. A policy pinned before the grace existed
 * leaves the statistics' default.
 */
export function figureOptionsFor(policy: Policy): {
  penaltyCodes: string[];
  unexplainedGraceDays?: number;
} {
  const pinned: Partial<Pick<Policy, 'unexplainedAbsence'>> = policy;
  const grace = pinned.unexplainedAbsence?.graceSchoolDays;
  return {
    penaltyCodes: [...policy.penaltyNotice.countingCodes],
    ...(grace === undefined ? {} : { unexplainedGraceDays: grace }),
  };
}
