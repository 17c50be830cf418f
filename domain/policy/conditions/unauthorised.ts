// unauthorised: at least N unauthorised absence sessions (G, N, O, U) in a window. Engine 2 (with the
// policy's grace) counts an N only once it has stayed unresolved for the grace period (counts.ts).
import { countCondition, graceNote, sinceClosure, unexplainedInGrace, windowCount } from './counts';
import { defineCondition } from './kind';
import { WINDOW_PHRASES, windowPhrase } from './words';

export const unauthorised = defineCondition({
  schema: countCondition.optional().describe('Unauthorised absence sessions (G, N, O, U), at least N.'),
  holds(u, ctx) {
    const w = ctx.facts.windows[u.window];
    const n = windowCount(ctx, w, 'unauthorised');
    if (n < u.atLeast) return null;
    const waiting = unexplainedInGrace(ctx, w);
    return sinceClosure(
      ctx,
      'unauthorised',
      `${n} unauthorised absence sessions ${windowPhrase(w)}` +
        (waiting > 0
          ? ` (not counting ${waiting} N session${waiting === 1 ? '' : 's'} still within ${ctx.unexplainedGrace} school days)${graceNote(ctx)}`
          : ''),
    );
  },
  describe: (u) => `${u.atLeast} or more unauthorised absence sessions ${WINDOW_PHRASES[u.window]}`,
});
