// reachedStage: the case has been at this stage or a more severe one ("continued ... despite support").
import { id } from '../fields';
import { defineCondition } from './kind';
import { stageName } from './words';

export const reachedStage = defineCondition({
  schema: id.optional().describe('The case has been at this stage or a more severe one.'),
  holds(stageId, { policy, state }) {
    const need = policy.stages.findIndex((s) => s.id === stageId);
    const highest = policy.stages.findIndex((s) => s.id === state.highestStageId);
    if (state.highestStageId === null || highest < need) return null;
    return `the case has reached ${policy.stages[highest]?.name}`;
  },
  describe: (stageId, policy) => `the case has reached ${stageName(policy, stageId)}`,
  check: (stageId, site) => site.requireStage(stageId, site.path),
});
