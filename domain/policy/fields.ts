// The small fields that the policy schema (schema.ts) and its condition kinds (conditions/) are
// both built from. A file of its own so a condition kind never imports the schema assembled from it.
import { z } from 'zod';

export const WINDOW_KINDS = ['rolling10', 'halfTerm', 'term', 'ytd'] as const;

export const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case words joined by hyphens, e.g. "stage-two"')
  .describe('A stable identifier: lower-case words joined by hyphens.');
export const pct = z.number().min(0).max(100);
export const windowKind = z
  .enum(WINDOW_KINDS)
  .describe(
    'rolling10: the rolling 10 school weeks; halfTerm: the current half term; term: the current term; ytd: the school year to date.',
  );
export const count = z.int().min(1);
