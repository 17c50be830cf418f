// A person's decision sent to a case (an approval, an event, a task's outcome) is audited before it
// is sent: the person decided, whatever happens next. Written after, an API that died between the
// case taking the decision and the log taking its entry left a decision acted on with no entry at all
// (test/faults/apiRestart.test.ts found four of five). A decision the case refuses, or that cannot
// reach it, gets a second entry saying so, so the log never reads as if it had been applied.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Db } from '../../store/db';
import { caseFaulted, HttpError, updateFailureReason } from '../errors';
import { writeAudit, type AuditActor, type AuditEntryInput } from './audit';

/** The action of the entry written when a decision was not applied. */
export const DECISION_NOT_APPLIED = 'case.decision_not_applied';

export async function auditedDecision<T>(
  db: Db,
  actor: AuditActor,
  entry: AuditEntryInput,
  send: () => Promise<T>,
): Promise<T> {
  await writeAudit(db, actor, entry);
  try {
    return await send();
  } catch (err) {
    // Best effort: the answer the person gets is the refusal itself, whether or not this is written.
    await writeAudit(db, actor, {
      action: DECISION_NOT_APPLIED,
      targetType: entry.targetType,
      targetId: entry.targetId,
      schoolId: entry.schoolId,
      details: { decision: entry.action, why: whyNotApplied(err) },
    }).catch(() => undefined);
    throw err;
  }
}

/** Our own words for the refusal (a validator's message, an HTTP answer); never a raw error's text. */
function whyNotApplied(err: unknown): string {
  if (err instanceof HttpError) return err.message;
  if (err instanceof WorkflowUpdateFailedError)
    return caseFaulted(err) ? 'the case failed while checking it' : updateFailureReason(err);
  return 'the case could not be reached';
}
