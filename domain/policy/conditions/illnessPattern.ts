// illnessPattern: illness/medical sessions (I, M) that cluster on Mondays/Fridays or beside
// holidays, or simply many of them. Engine 1 reads `clustered`, which the statistics compute over all
// absence; engine 2's rules (a policy pinned with their settings) read the clustering of the illness
// sessions themselves (`illnessClustered`), when the figures carry it, so other absence never makes a
// pattern of illness.
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
  holds(p, { facts, engine2Rules }) {
    const ill = facts.illness;
    const own = engine2Rules && ill.illnessClustered !== undefined;
    const clustered =
      (own ? ill.illnessClustered === true : ill.clustered) && ill.illnessSessions >= p.minSessions;
    const frequent = p.frequentSessions !== undefined && ill.illnessSessions >= p.frequentSessions;
    if (!clustered && !frequent) return null;
    const monFri = own ? (ill.illnessMondayFridayShare ?? 0) : ill.mondayFridayShare;
    const beside = own ? (ill.illnessBesideHolidayShare ?? 0) : ill.besideHolidayShare;
    return (
      `a pattern of illness: ${ill.illnessSessions} illness/medical sessions (I/M)` +
      (clustered
        ? `, clustered (${Math.round(monFri * 100)}% ${own ? 'of them ' : ''}on Mondays/Fridays, ${Math.round(beside * 100)}% beside holidays)`
        : `, at least ${p.frequentSessions}`)
    );
  },
  describe: (p) =>
    `a pattern of illness: ${p.minSessions}+ illness/medical sessions clustered on Mondays/Fridays or beside holidays` +
    (p.frequentSessions !== undefined ? `, or ${p.frequentSessions}+ in all` : ''),
});
