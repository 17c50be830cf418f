// outcome: any of these outcomes (meeting missed, contract signed, ...) was recorded while the case
// has been at the current stage.
import { z } from 'zod';
import { OUTCOME_KINDS, type OutcomeKind } from '../../caseTypes';
import { defineCondition } from './kind';

export const outcome = defineCondition({
  schema: z
    .array(z.enum(OUTCOME_KINDS))
    .min(1)
    .optional()
    .describe('Any of these outcomes was recorded while the case has been at the current stage.'),
  holds(kinds, ctx) {
    const wanted = new Set<OutcomeKind>(kinds);
    const found = ctx.outcomes.filter((o) => wanted.has(o.kind));
    if (found.length === 0) return null;
    const last = found[found.length - 1]!;
    return `outcome ${last.kind} recorded on ${last.on}`;
  },
  describe: (kinds) => `outcome ${kinds.join(' or ')} recorded at this stage`,
});
