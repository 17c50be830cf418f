// Activities are built by a factory that receives their services, so tests can pass real local
// services (PGlite, a local SMTP server) and production passes the configured ones.
import type { CaseServicesDeps } from '../messaging/deps';
import { createActorClaimActivities, type ActorClaimDeps } from './actorClaims';
import { createCaseDataActivities, type CaseDataDeps } from './caseData';
import { createEvidenceActivities, type EvidenceDeps } from './evidence';
import { createIntegrationActivities, type IntegrationDeps } from './integrations';
import { createLetterActivities } from './letters';
import { createMeetingActivities } from './meetings';
import { createMessagingActivities } from './messaging';
import { createPlannedSendActivities } from './plannedSends';
import { createPlanningActivities } from './planning';
import { createStaffTaskActivities } from './staffTasks';
import { createSystemActivities, type SystemDeps } from './system';

export type ActivityDeps = SystemDeps &
  ActorClaimDeps &
  Partial<CaseServicesDeps> &
  Partial<CaseDataDeps> &
  Partial<EvidenceDeps> &
  Partial<IntegrationDeps>;

export function createActivities(deps: ActivityDeps) {
  const system = createSystemActivities(deps);
  if (!deps.db) {
    // Without a store only the system activities exist (the foundation's timer probe).
    return system as ReturnType<typeof createAll>;
  }
  return createAll({ ...deps, db: deps.db, mailer: deps.mailer ?? null });
}

function createAll(deps: ActivityDeps & CaseServicesDeps) {
  return {
    ...createSystemActivities(deps),
    ...createCaseDataActivities(deps),
    ...createLetterActivities(deps),
    ...createMessagingActivities(deps),
    ...createMeetingActivities(deps),
    ...createStaffTaskActivities(deps),
    ...createPlanningActivities(deps),
    ...createPlannedSendActivities(deps),
    ...createEvidenceActivities(deps),
    ...createActorClaimActivities(deps),
    ...createIntegrationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createAll>;
