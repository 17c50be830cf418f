// illnessPattern: illness/medical sessions (I, M) that cluster on Mondays/Fridays or beside
// holidays, or simply many of them.
import { z } from 'zod';
import { count } from '../fields';
import { defineCondition } from './kind';

export const illnessPattern = defineCondition({
  schema: z
    .strictObject({
      minSessions: count.describe('At least this many illness/medical sessions (I, M) ...'),
      frequentSessions: count
        .optional()
        .describe('... that cluster (Mondays/Fridays, beside holidays), or at least this many regardless.'),
    })
    .optional(),
  holds(p, { facts }) {
    const ill = facts.illness;
    const clustered = ill.clustered && ill.illnessSessions >= p.minSessions;
    const frequent = p.frequentSessions !== undefined && ill.illnessSessions >= p.frequentSessions;
    if (!clustered && !frequent) return null;
    return (
      `a pattern of illness: ${ill.illnessSessions} illness/medical sessions (I/M)` +
      (clustered
        ? `, clustered (${Math.round(ill.mondayFridayShare * 100)}% on Mondays/Fridays, ${Math.round(ill.besideHolidayShare * 100)}% beside holidays)`
        : `, at least ${p.frequentSessions}`)
    );
  },
  describe: (p) =>
    `a pattern of illness: ${p.minSessions}+ illness/medical sessions clustered on Mondays/Fridays or beside holidays` +
    (p.frequentSessions !== undefined ? `, or ${p.frequentSessions}+ in all` : ''),
});
