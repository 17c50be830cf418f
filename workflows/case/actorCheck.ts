// Before a case acts on a person's decision, it checks that the API signed that actor for this
// case, this Update and these very arguments (temporal/actorClaims.ts). The check is a local
// activity: the keys are the worker's configuration, and its verdict is kept in history, so a replay
// reads the verdict instead of checking again with keys that may since have been rotated.
//
// Gated by the patch 'signed-actors': a decision accepted before this release replays as it ran,
// with no await added before it acts.
import { ApplicationFailure, patched, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { Actor } from '../caseMessages';

const claims = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

/**
 * Whether this decision is checked: true from this release on, false on a case replaying a decision
 * taken before it. Called before any await, so a handler that is not checked runs exactly as it did.
 */
export function signedActorsInForce(): boolean {
  return patched('signed-actors');
}

/**
 * Resolves once the actor is verified. Throws, failing the Update and changing nothing, when the
 * signature is missing, forged, for another case or decision, or stale. The case may have moved on
 * while it checked, so the caller validates the decision again afterwards.
 */
export async function verifySignedActor(update: string, message: { actor: Actor }): Promise<void> {
  const verdict = await claims.verifyActor({ workflowId: workflowInfo().workflowId, update, message });
  if (!verdict.ok)
    throw ApplicationFailure.create({
      type: 'ActorNotVerified',
      message: `refused: ${verdict.reason}`,
      nonRetryable: true,
    });
}

export { validateAgain } from './refusals';
