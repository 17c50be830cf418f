// How an engine-2 case looks from outside: the view the query answers and the read model stores,
// and the fields the read model sorts and filters on.
import type { Policy } from '../../domain/policy/schema';
import type { IsoDate, PupilFacts } from '../../domain/types';
import type { CaseView } from '../caseMessages';
import type { CaseIdentity } from './entity';
import type { CaseRecord } from './record';

export interface CaseSummaryFields {
  stageRank: number | null;
  pendingApprovals: number;
  oldestPendingAt: string | null;
  nextActionOn: IsoDate | null;
}

export function caseView(id: CaseIdentity, r: CaseRecord, today: IsoDate): CaseView {
  const facts = r.latestFacts;
  const stageName = id.policy.stages.find((s) => s.id === r.caseState.stageId)?.name ?? null;
  return {
    caseId: id.caseId,
    schoolId: id.schoolId,
    pupilId: id.pupilId,
    policyId: id.policy.id,
    policyVersion: String(id.policy.version),
    status: r.status,
    stageId: r.caseState.stageId,
    stageName: stageName,
    openedOn: r.openedOn ?? today,
    today: today,
    monitoringUntil: r.caseState.monitoringUntil,
    pending: r.pending,
    next: r.next,
    latestFacts: facts ? factsSummary(facts) : null,
    timeline: r.timeline,
    ...(r.closedReason ? { closedReason: r.closedReason } : {}),
    ...(r.pausedReason ? { pausedReason: r.pausedReason } : {}),
    caseState: r.caseState,
    engine: r.engine,
    ...(r.sweepChecks ? { sweepChecks: true } : {}),
    tasks: r.tasks,
    version: r.version,
  };
}

/** The figures a case page shows beside the case (also written by the sweep's checks, store/cases.ts). */
export function factsSummary(facts: PupilFacts): NonNullable<CaseView['latestFacts']> {
  return {
    asOf: facts.asOf,
    attendancePct: facts.windows.rolling10.attendancePct,
    unauthorised: facts.windows.rolling10.unauthorised,
    unexplained: facts.windows.rolling10.unexplained,
    // The same window as the figures beside it and the pupil page's rolling-10 row (one figure,
    // one source); a policy's half-term lates trigger explains itself in the step's reasons.
    lates: facts.windows.rolling10.lateBeforeClose,
  };
}

export function caseSummary(policy: Policy, r: CaseRecord): CaseSummaryFields {
  return {
    stageRank: r.caseState.stageId ? policy.stages.findIndex((s) => s.id === r.caseState.stageId) + 1 : null,
    pendingApprovals: r.pending.length,
    oldestPendingAt: r.pending[0]?.proposedAt ?? null,
    nextActionOn: r.next.on,
  };
}
