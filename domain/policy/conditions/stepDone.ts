// stepDone: all of these steps are done in the current stage visit (a step proposed earlier in the
// same decision counts, so a step can follow another on the same day).
import { z } from 'zod';
import { id } from '../fields';
import { defineCondition } from './kind';
import { quotedStepTitle, stepTitle } from './words';

export const stepDone = defineCondition({
  schema: z.array(id).min(1).optional().describe('All of these steps are done in the current stage.'),
  holds(ids, ctx) {
    const done: string[] = [];
    for (const stepId of ids) {
      const step = ctx.completed.get(stepId);
      if (step?.result === 'done') done.push(`"${stepTitle(ctx.policy, stepId)}" done on ${step.on}`);
      else if (ctx.assumedDone.has(stepId)) done.push(`"${stepTitle(ctx.policy, stepId)}" due now`);
      else return null;
    }
    return done.join(' and ');
  },
  describe: (ids, policy) => `${ids.map((s) => quotedStepTitle(policy, s)).join(' and ')} done`,
  check: (ids, site) => ids.forEach((stepId, i) => site.requireStep(stepId, [...site.path, i])),
});
