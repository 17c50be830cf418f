// Exact percentages in integers (docs/attendance-maths.md, "Rounding"): the statistics and the policy
// engine's judgement of a monitoring window round the same way. A file of its own so the policy
// engine (and so the workflow bundle) need not import the statistics module.

/** round-half-up(num / den * 10000), i.e. the percentage in hundredths, with integers only. */
export function percentHundredths(num: number, den: number): number {
  if (!Number.isInteger(num) || !Number.isInteger(den) || den <= 0 || num < 0) {
    throw new RangeError(`percentHundredths needs whole num >= 0 and den > 0, got ${num}/${den}`);
  }
  const a = 20000 * num + den;
  const b = 2 * den;
  return (a - (a % b)) / b;
}

/** The percentage rounded half up to 2 decimals; null when den = 0. */
export function percent2(num: number, den: number): number | null {
  return den === 0 ? null : percentHundredths(num, den) / 100;
}

/**
 * The percentage rounded half up to 1 decimal, as the DfE publishes school-level rates (the
 * dashboard's school figures); null when den = 0. Exact, in integers, like percentHundredths.
 */
export function percent1(num: number, den: number): number | null {
  if (den === 0) return null;
  if (!Number.isInteger(num) || !Number.isInteger(den) || den < 0 || num < 0) {
    throw new RangeError(`percent1 needs whole num >= 0 and den > 0, got ${num}/${den}`);
  }
  const a = 2000 * num + den;
  const b = 2 * den;
  return (a - (a % b)) / b / 10;
}
