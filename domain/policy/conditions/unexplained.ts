// unexplained: at least N unexplained absence sessions (N: no reason given yet) in a window.
import { countCondition, sinceClosure } from './counts';
import { defineCondition } from './kind';
import { WINDOW_PHRASES, windowPhrase } from './words';

export const unexplained = defineCondition({
  schema: countCondition.optional().describe('Unexplained absence sessions (N: no reason yet), at least N.'),
  holds(u, ctx) {
    const w = ctx.facts.windows[u.window];
    if (w.unexplained < u.atLeast) return null;
    const text = `${w.unexplained} unexplained absence sessions (N, no reason given) ${windowPhrase(w)}`;
    return sinceClosure(ctx, 'unexplained', text);
  },
  describe: (u) => `${u.atLeast} or more unexplained absence sessions (N) ${WINDOW_PHRASES[u.window]}`,
});
