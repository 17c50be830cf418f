// The policy engine's public surface.
export * from './schema';
export * from './calendarPort';
export {
  decide,
  emptyCaseState,
  applyDecision,
  completeStep,
  recordOutcome,
  snapshotBaseline,
  enterStage,
  stepWaitEnd,
  stageBand,
} from './decide';
export { validatePolicy, parsePolicy, checkPolicy, formatIssue, PolicyValidationError } from './validate';
export type { PolicyIssue, PolicyValidation } from './validate';
export { describePolicy, describeCondition, describeConditionList } from './describe';
export { evaluatePupils } from './evaluateSchool';
export type { PupilEvaluation, PupilFigures } from './evaluateSchool';
