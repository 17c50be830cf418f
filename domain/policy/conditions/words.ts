// Figures and policy names in words, shared by the condition kinds and decide's judgement.
import type { StatsWindowKind, WindowStats } from '../../types';
import type { PolicyView } from './kind';

export const percent = (n: number | null): string => (n === null ? 'n/a' : `${n.toFixed(2)}%`);

/** A window with its dates, for reasons: "over the 10 school weeks to 2026-11-20". */
export function windowPhrase(w: WindowStats): string {
  switch (w.kind) {
    case 'rolling10':
      return `over the ${w.schoolWeeks} school weeks to ${w.to}`;
    case 'halfTerm':
      return `in the half term from ${w.from} to ${w.to}`;
    case 'term':
      return `in the term from ${w.from} to ${w.to}`;
    case 'ytd':
      return `over the school year to ${w.to}`;
    default:
      return `from ${w.from} to ${w.to}`;
  }
}

/** A window without dates, for rules: "over the rolling 10 school weeks". */
export const WINDOW_PHRASES: Record<StatsWindowKind, string> = {
  rolling10: 'over the rolling 10 school weeks',
  halfTerm: 'in the current half term',
  term: 'in the current term',
  ytd: 'over the school year to date',
};

export function missed(w: WindowStats): string {
  return `${w.daysMissed} day${w.daysMissed === 1 ? '' : 's'} and ${w.lessonsMissed} lessons missed`;
}

export function stageName(policy: PolicyView | undefined, id: string): string {
  return policy?.stages.find((s) => s.id === id)?.name ?? id;
}

/** A step's title as reasons quote it (the caller adds the quotes), or its id. */
export function stepTitle(policy: PolicyView, id: string): string {
  for (const stage of policy.stages) {
    const step = stage.steps.find((s) => s.id === id);
    if (step) return step.title;
  }
  return id;
}

/** A step's title in quotes as rules describe it, or its bare id. */
export function quotedStepTitle(policy: PolicyView | undefined, id: string): string {
  for (const stage of policy?.stages ?? []) {
    const step = stage.steps.find((s) => s.id === id);
    if (step) return `"${step.title}"`;
  }
  return id;
}
