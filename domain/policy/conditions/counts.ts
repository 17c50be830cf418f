// Session counts (lates, unexplained, unauthorised): the schema the count kinds share, and counts
// "new since" a baseline, which newSinceBaseline and decide's improvement judgement also use.
//
// Engine 2 (when ctx.unexplainedGrace is set) counts an N only once it has stayed unresolved for the
// policy's grace period, and counts one continuous spell of absence once:
// - unexplained: spells of absence with an N past its grace (events, not sessions);
// - unauthorised over a window: G, O and U sessions, and N sessions past their grace;
// - unauthorised *new since* a baseline ("further", "subsequent"): new G, O and U sessions, and new
//   spells with an N past its grace, so a spell that goes on adds nothing after it is counted.
import { z } from 'zod';
import type { PupilFacts, WindowStats } from '../../types';
import { count, windowKind } from '../fields';
import type { ConditionContext } from './kind';

export const countCondition = z.strictObject({ atLeast: count, window: windowKind });

export type CountKind = 'unauthorised' | 'unexplained' | 'lates';

export const COUNT_LABEL: Record<CountKind, string> = {
  unauthorised: 'unauthorised absence sessions',
  unexplained: 'unexplained absence sessions (N)',
  lates: 'late arrivals (L)',
};

type GraceView = Pick<ConditionContext, 'unexplainedGrace'>;

/** The label of a count new since a baseline, as the counting says it. */
export function countLabel(ctx: GraceView, kind: CountKind): string {
  const g = ctx.unexplainedGrace;
  if (g === null || kind === 'lates') return COUNT_LABEL[kind];
  return kind === 'unexplained'
    ? `unexplained absences (spells of absence with an N unresolved after ${g} school days, each counted once)`
    : `unauthorised absences (G, O or U sessions, and spells with an N unresolved after ${g} school days)`;
}

/** A window's count: sessions (engine 1), or as engine 2 counts with the policy's grace. */
export function windowCount(ctx: GraceView, w: WindowStats, kind: CountKind): number {
  if (kind === 'lates') return w.lateBeforeClose;
  if (
    ctx.unexplainedGrace === null ||
    w.unexplainedPastGrace === undefined ||
    w.unexplainedSpells === undefined
  )
    return w[kind];
  return kind === 'unexplained'
    ? w.unexplainedSpells
    : w.unauthorised - w.unexplained + w.unexplainedPastGrace;
}

/** N sessions in the window that are not counted yet: still within their grace (engine 2). */
export function unexplainedInGrace(ctx: GraceView, w: WindowStats): number {
  if (ctx.unexplainedGrace === null || w.unexplainedPastGrace === undefined) return 0;
  return w.unexplained - w.unexplainedPastGrace;
}

/** Engine 2's event count behind "new since": spells of N; G/O/U sessions and spells of N. */
function eventCount(
  counts: { unauthorised: number; unexplained: number; unexplainedSpells: number },
  kind: 'unauthorised' | 'unexplained',
): number {
  const spells = counts.unexplainedSpells;
  return kind === 'unexplained' ? spells : counts.unauthorised - counts.unexplained + spells;
}

function currentCount(facts: PupilFacts, kind: CountKind): number {
  const ytd = facts.windows.ytd;
  return kind === 'lates' ? ytd.lateBeforeClose : ytd[kind];
}

/** New sessions since the baseline. A baseline from before this school year counts everything this year. */
export function newSince(
  ctx: Pick<ConditionContext, 'state' | 'facts' | 'unexplainedGrace'>,
  kind: CountKind,
): number | null {
  const b = ctx.state.baseline;
  if (!b) return null;
  const ytd = ctx.facts.windows.ytd;
  const fresh = b.on < ytd.from;
  // Engine 2 with a grace, when both ends carry the counts; otherwise sessions, as engine 1.
  if (
    kind !== 'lates' &&
    ctx.unexplainedGrace !== null &&
    ytd.unexplainedSpells !== undefined &&
    b.unexplainedSpells !== undefined
  ) {
    const now = eventCount({ ...ytd, unexplainedSpells: ytd.unexplainedSpells }, kind);
    if (fresh) return now;
    return Math.max(0, now - eventCount({ ...b, unexplainedSpells: b.unexplainedSpells }, kind));
  }
  const now = currentCount(ctx.facts, kind);
  if (fresh) return now;
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

/** Engine 2: a note when the figures counted N with another grace than the policy states. */
export function graceNote(ctx: Pick<ConditionContext, 'policy' | 'unexplainedGrace'>): string {
  const stated = ctx.policy.unexplainedAbsence?.graceSchoolDays;
  if (ctx.unexplainedGrace === null || stated === undefined || stated === ctx.unexplainedGrace) return '';
  return ` (note: the figures give an N ${ctx.unexplainedGrace} school days; the policy says ${stated})`;
}
