// atStage: the case is currently at one of these stages.
import { z } from 'zod';
import { id } from '../fields';
import { defineCondition } from './kind';
import { stageName } from './words';

export const atStage = defineCondition({
  schema: z.array(id).min(1).optional().describe('The case is currently at one of these stages.'),
  holds(ids, { state, stage }) {
    if (state.stageId === null || !ids.includes(state.stageId)) return null;
    return `the case is at ${stage?.name ?? state.stageId}`;
  },
  describe: (ids, policy) => `the case is at ${ids.map((s) => stageName(policy, s)).join(' or ')}`,
  check: (ids, site) => ids.forEach((stageId, i) => site.requireStage(stageId, [...site.path, i])),
});
