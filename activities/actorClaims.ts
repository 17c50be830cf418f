// The case's check of who is acting: run as a local activity, because the public keys live in the
// worker's configuration (never in workflow code) and its verdict must be recorded in history, so a
// replay never asks again with keys that have since been rotated.
import { log } from '@temporalio/activity';
import { verifyActorClaim, type ActorKeys, type SignInput, type Verdict } from '../temporal/actorClaims';

export interface ActorClaimDeps {
  /** The keys the worker accepts; a worker without them refuses every decision. */
  actorKeys?: ActorKeys;
}

export function createActorClaimActivities(deps: ActorClaimDeps) {
  return {
    async verifyActor(input: SignInput): Promise<Verdict> {
      const verdict: Verdict = deps.actorKeys
        ? verifyActorClaim(deps.actorKeys.verifying, input)
        : { ok: false, reason: 'this worker holds no actor verification keys' };
      // Ids and the reason only: the message itself may carry a note about a family.
      if (!verdict.ok)
        log.warn('a decision was refused: its actor could not be verified', {
          caseId: input.workflowId,
          update: input.update,
          reason: verdict.reason,
        });
      return verdict;
    },
  };
}
