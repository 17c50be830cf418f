// Session counts (lates, unexplained, unauthorised): the schema the count kinds share, and counts
// "new since" a baseline, which newSinceBaseline and decide's improvement judgement also use.
import { z } from 'zod';
import type { PupilFacts } from '../../types';
import { count, windowKind } from '../fields';
import type { ConditionContext } from './kind';

export const countCondition = z.strictObject({ atLeast: count, window: windowKind });

export type CountKind = 'unauthorised' | 'unexplained' | 'lates';

export const COUNT_LABEL: Record<CountKind, string> = {
  unauthorised: 'unauthorised absence sessions',
  unexplained: 'unexplained absence sessions (N)',
  lates: 'late arrivals (L)',
};

function currentCount(facts: PupilFacts, kind: CountKind): number {
  const ytd = facts.windows.ytd;
  return kind === 'lates' ? ytd.lateBeforeClose : ytd[kind];
}

/** New sessions since the baseline. A baseline from before this school year counts everything this year. */
export function newSince(ctx: Pick<ConditionContext, 'state' | 'facts'>, kind: CountKind): number | null {
  const b = ctx.state.baseline;
  if (!b) return null;
  const now = currentCount(ctx.facts, kind);
  if (b.on < ctx.facts.windows.ytd.from) return now;
  return Math.max(0, now - b[kind]);
}

/**
 * After a case closed, a count trigger reopens it only for marks new since the closure: the text
 * with the new count added, or null when there are none. Otherwise the text as it is.
 */
export function sinceClosure(ctx: ConditionContext, kind: CountKind, text: string): string | null {
  const { state } = ctx;
  if (state.stageId !== null || !state.closedOn || !state.baseline) return text;
  const n = newSince(ctx, kind) ?? 0;
  return n > 0 ? `${text} (${n} new since the case closed on ${state.closedOn})` : null;
}
