// steppedDown: the case came to its current stage by stepping down from a more severe one (an exit
// rule, after improvement). For the steps a family that has just improved should not get again: the
// "dropping towards 95%" message, a first-concern letter, an attendance reminder. Engine 2 only: on
// engine 1 it never holds, so a policy that uses it decides there exactly as it did without it.
import { z } from 'zod';
import { defineCondition } from './kind';

export const steppedDown = defineCondition({
  schema: z
    .literal(true)
    .optional()
    .describe(
      'Engine 2: the case came to its current stage by stepping down from a more severe one (never holds on engine 1).',
    ),
  holds(_wanted, { engine2Rules, state, stage }) {
    if (!engine2Rules || state.stageId === null || state.stageEnteredBy !== 'deescalate') return null;
    return `the case stepped down to ${stage?.name ?? state.stageId} on ${state.stageEnteredOn}`;
  },
  describe: () => 'the case stepped down to this stage',
  check(_wanted, site) {
    // An entry trigger judges the stage the case is about to enter, not how it came to the current one.
    if (site.list === 'entry')
      site.report({
        rule: 'entry.stepped-down',
        message: '"steppedDown" says how the case came to its current stage: use it in a step or an exit',
        path: site.path,
      });
  },
});
