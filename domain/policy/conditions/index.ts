// The registry of the policy language's condition kinds. Its order is the order of a condition's
// keys: in the schema (so in policies/policy.schema.json and in a parsed condition, whose keys name
// reasons' rules, e.g. "stage-two.entry[1].atStage+newSinceBaseline"), in evaluation, in
// descriptions and in checks. Reordering changes reason texts in running cases: add new kinds at
// the end.
import { atStage } from './atStage';
import { attendance } from './attendance';
import { flag } from './flag';
import { illnessPattern } from './illnessPattern';
import type { ConditionKind } from './kind';
import { lates } from './lates';
import { improved, noImprovement, windowEnded } from './monitoringWindow';
import { newSinceBaseline } from './newSinceBaseline';
import { offRoll } from './offRoll';
import { outcome } from './outcome';
import { penaltyThreshold } from './penaltyThreshold';
import { reachedStage } from './reachedStage';
import { stepDone } from './stepDone';
import { steppedDown } from './steppedDown';
import { unauthorised } from './unauthorised';
import { unexplained } from './unexplained';

export const CONDITION_KINDS = {
  attendance,
  lates,
  unexplained,
  unauthorised,
  newSinceBaseline,
  penaltyThreshold,
  flag,
  outcome,
  illnessPattern,
  noImprovement,
  improved,
  windowEnded,
  stepDone,
  atStage,
  reachedStage,
  offRoll,
  steppedDown,
} as const;

export type ConditionKey = keyof typeof CONDITION_KINDS;

/** The condition object's shape for zod, one key per kind. */
export const conditionShape = Object.fromEntries(
  Object.entries(CONDITION_KINDS).map(([key, kind]) => [key, kind.schema]),
) as { [K in ConditionKey]: (typeof CONDITION_KINDS)[K]['schema'] };

/** The kinds in order, for code that treats every kind alike (values typed `unknown`). */
export const conditionKinds = Object.entries(CONDITION_KINDS) as [ConditionKey, ConditionKind][];

/** The keys a condition has, with their kinds and values, in registry order. */
export function keysOf(
  condition: Partial<Record<ConditionKey, unknown>>,
): { key: ConditionKey; kind: ConditionKind; value: unknown }[] {
  const out: { key: ConditionKey; kind: ConditionKind; value: unknown }[] = [];
  for (const [key, kind] of conditionKinds) {
    const value = condition[key];
    if (value !== undefined) out.push({ key, kind, value });
  }
  return out;
}
