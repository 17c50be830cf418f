// unauthorised: at least N unauthorised absence sessions (G, N, O, U) in a window.
import { countCondition, sinceClosure } from './counts';
import { defineCondition } from './kind';
import { WINDOW_PHRASES, windowPhrase } from './words';

export const unauthorised = defineCondition({
  schema: countCondition.optional().describe('Unauthorised absence sessions (G, N, O, U), at least N.'),
  holds(u, ctx) {
    const w = ctx.facts.windows[u.window];
    if (w.unauthorised < u.atLeast) return null;
    return sinceClosure(
      ctx,
      'unauthorised',
      `${w.unauthorised} unauthorised absence sessions ${windowPhrase(w)}`,
    );
  },
  describe: (u) => `${u.atLeast} or more unauthorised absence sessions ${WINDOW_PHRASES[u.window]}`,
});
