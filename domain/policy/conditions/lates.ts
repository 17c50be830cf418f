// lates: at least N late arrivals (L) in a window; optionally U (after the register closed) too.
import { z } from 'zod';
import { countCondition, sinceClosure } from './counts';
import { defineCondition } from './kind';
import { WINDOW_PHRASES, windowPhrase } from './words';

export const lates = defineCondition({
  schema: countCondition
    .extend({
      includeAfterClose: z
        .boolean()
        .default(false)
        .describe('Also count U (arrived after the register closed), which is an unauthorised absence.'),
    })
    .optional()
    .describe('Late arrivals (L) in the window, at least N.'),
  holds(l, ctx) {
    const w = ctx.facts.windows[l.window];
    const n = w.lateBeforeClose + (l.includeAfterClose ? w.lateAfterClose : 0);
    if (n < l.atLeast) return null;
    const text = `${n} late arrivals (L${l.includeAfterClose ? ' and U' : ''}) ${windowPhrase(w)}, at least ${l.atLeast}`;
    return sinceClosure(ctx, 'lates', text);
  },
  describe: (l) =>
    `${l.atLeast} or more late arrivals (L${l.includeAfterClose ? ' or U' : ''}) ${WINDOW_PHRASES[l.window]}`,
});
