// newSinceBaseline: at least N new sessions of a count since the monitoring window began
// ("subsequent", "continued"); any one of the counts named is enough. Engine 2 counts as counts.ts
// says (an N once past its grace; unexplained absences as spells).
import { z } from 'zod';
import { count } from '../fields';
import { countLabel, newSince } from './counts';
import { defineCondition } from './kind';

export const newSinceBaseline = defineCondition({
  schema: z
    .strictObject({
      unauthorised: count.optional(),
      unexplained: count.optional(),
      lates: count.optional(),
    })
    .refine((n) => Object.keys(n).length > 0, {
      message: 'name at least one of unauthorised, unexplained, lates',
    })
    .optional()
    .describe(
      'At least N new sessions since the current monitoring window began ("subsequent", "continued").',
    ),
  holds(need, ctx) {
    const b = ctx.state.baseline;
    if (!b) return null;
    const hits: string[] = [];
    for (const kind of ['unauthorised', 'unexplained', 'lates'] as const) {
      const atLeast = need[kind];
      if (atLeast === undefined) continue;
      const n = newSince(ctx, kind) ?? 0;
      if (n >= atLeast) hits.push(`${n} new ${countLabel(ctx, kind)} since ${b.on}`);
    }
    return hits.length === 0 ? null : hits.join(' and ');
  },
  describe(n) {
    const bits = [
      n.unauthorised !== undefined ? `${n.unauthorised}+ unauthorised sessions` : null,
      n.unexplained !== undefined ? `${n.unexplained}+ unexplained sessions` : null,
      n.lates !== undefined ? `${n.lates}+ late arrivals` : null,
    ].filter((b) => b !== null);
    return `${bits.join(' or ')} new since the monitoring window began`;
  },
});
