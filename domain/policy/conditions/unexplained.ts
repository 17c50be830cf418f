// unexplained: at least N unexplained absences (N: no reason given yet) in a window. Engine 1 counts N
// sessions; engine 2 (with the policy's grace) counts spells of absence whose N has stayed unresolved
// for the grace period, each spell once (counts.ts).
import { countCondition, graceNote, sinceClosure, windowCount } from './counts';
import { defineCondition } from './kind';
import { WINDOW_PHRASES, windowPhrase } from './words';

export const unexplained = defineCondition({
  schema: countCondition.optional().describe('Unexplained absence sessions (N: no reason yet), at least N.'),
  holds(u, ctx) {
    const w = ctx.facts.windows[u.window];
    const g = ctx.unexplainedGrace;
    if (g !== null && w.unexplainedSpells !== undefined) {
      const n = windowCount(ctx, w, 'unexplained');
      if (n < u.atLeast) return null;
      const text =
        `${n} unexplained absence${n === 1 ? '' : 's'} ${windowPhrase(w)} ` +
        `(a spell of absence with an N still unresolved after ${g} school days counts once)${graceNote(ctx)}`;
      return sinceClosure(ctx, 'unexplained', text);
    }
    if (w.unexplained < u.atLeast) return null;
    const text = `${w.unexplained} unexplained absence sessions (N, no reason given) ${windowPhrase(w)}`;
    return sinceClosure(ctx, 'unexplained', text);
  },
  describe(u, policy) {
    // A policy with a grace is counted in spells on engine 2, the engine its new cases run on.
    const g = policy?.unexplainedAbsence?.graceSchoolDays;
    return g === undefined
      ? `${u.atLeast} or more unexplained absence sessions (N) ${WINDOW_PHRASES[u.window]}`
      : `${u.atLeast} or more unexplained absences (spells with an N unresolved after ${g} school days) ${WINDOW_PHRASES[u.window]}`;
  },
});
