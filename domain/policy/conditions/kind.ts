// What a condition kind of the policy language is. One file per kind (conditions/<kind>.ts) holds
// its schema, when it holds (with the figures that say why), what it asks in words, and the checks
// a schema cannot express; conditions/index.ts lists the kinds, and schema.ts, decide.ts,
// describe.ts and validate.ts assemble them from that list.
import type { z } from 'zod';
import type { CaseState, CompletedStep, RecordedOutcome } from '../../caseTypes';
import type { IsoDate, PupilFacts } from '../../types';

/**
 * The parts of a policy that conditions read. `Policy` satisfies it structurally: the kinds must not
 * import schema.ts, which is assembled from them.
 */
export interface PolicyView {
  penaltyNotice: { countingCodes: readonly string[] };
  /** Absent in policies pinned before it existed. */
  unexplainedAbsence?: { graceSchoolDays: number };
  stages: readonly StageView[];
}

export interface StageView {
  id: string;
  name: string;
  steps: readonly { id: string; title: string; anytime: boolean }[];
}

/** Whether a monitoring window that has ended shows improvement, and the figures that say so. */
export interface Judgement {
  improved: boolean;
  texts: string[];
}

/** One case on one day, as a condition sees it (decide.ts builds it). */
export interface ConditionContext {
  policy: PolicyView;
  facts: PupilFacts;
  state: CaseState;
  /** The stage the case is at; null when no case is open. */
  stage: StageView | null;
  window: { until: IsoDate | null; ended: boolean; active: boolean };
  /** Steps of the current stage visit, by id. */
  completed: ReadonlyMap<string, CompletedStep>;
  /** Steps proposed earlier in this same decision: later steps may treat them as done. */
  assumedDone: ReadonlySet<string>;
  /** Outcomes recorded during the current stage visit. */
  outcomes: readonly RecordedOutcome[];
  /** The stage's improvement rule applied to the window (null without a stage or a baseline). */
  judge(): Judgement | null;
  /** The case's engine (1 for a case whose input names none). */
  engine: number;
  /**
   * Engine 2's rules apply: the case runs on engine 2 and its pinned policy has engine 2's settings
   * (a policy pinned before them decides exactly as it did; docs/workflow-versioning.md).
   */
  engine2Rules: boolean;
  /**
   * Engine 2: the school days an N is given before it counts, as the figures were computed with it,
   * when the policy states a grace and the figures carry the counts (`unexplainedPastGrace`,
   * `unexplainedSpells`); null on engine 1, for a policy pinned before, or for older figures.
   */
  unexplainedGrace: number | null;
  /**
   * Engine 2: illness and medical sessions (I, M) are not held against the family (medical evidence
   * recorded, and the policy says so). True only while entry triggers are judged.
   */
  illnessExcused: boolean;
}

export type IssuePath = (string | number)[];

export interface RuleIssue {
  /** e.g. "ref.unknown-step": the rule broken. */
  rule: string;
  message: string;
  path: IssuePath;
}

/** One key of one condition in a policy, for the checks beyond the schema (validate.ts builds it). */
export interface ConditionSite {
  /** The condition's key being checked. */
  key: string;
  /** Where the key's value is in the file. */
  path: IssuePath;
  /** The list the condition is in: a stage's entry triggers, a step's when/skipWhen, an exit's when. */
  list: 'entry' | 'when' | 'skipWhen' | 'exit';
  /** The stage that list belongs to. */
  stageIndex: number;
  stageIndexOf(id: string): number | undefined;
  stageIdAt(index: number): string | undefined;
  stepOf(id: string): { stageIndex: number; monitor: boolean } | undefined;
  /** Reports "ref.unknown-stage" / "ref.unknown-step" when the policy has no such stage or step. */
  requireStage(id: string, path: IssuePath): void;
  requireStep(id: string, path: IssuePath): void;
  report(issue: RuleIssue): void;
}

/** A key's value once parsed (the key is present). */
export type ConditionValue<S extends z.ZodType> = Exclude<z.output<S>, undefined>;

// Methods (not function properties) so that every kind fits the registry's `ConditionKind`.
export interface ConditionKind<S extends z.ZodType = z.ZodType> {
  /** The key's schema exactly as it sits in a condition object: optional, with its description. */
  readonly schema: S;
  /** Why it holds today, with the figures, or null when it does not. */
  holds(value: ConditionValue<S>, ctx: ConditionContext): string | null;
  /** What it asks, for staff: pending steps ("waits for ..."), `policy check`, the web app. */
  describe(value: ConditionValue<S>, policy: PolicyView | undefined): string;
  /** Checks beyond the schema: references to stages and steps, where the key may be used. */
  check?(value: ConditionValue<S>, site: ConditionSite): void;
  /** True when an exit on this key need not wait for a monitoring window to end. */
  opensExit?(value: ConditionValue<S>): boolean;
}

export function defineCondition<S extends z.ZodType>(kind: ConditionKind<S>): ConditionKind<S> {
  return kind;
}
