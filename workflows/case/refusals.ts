// A refusal inside a case's message handler, as the Update's failure rather than a failed workflow
// task. Pure (no Temporal workflow API), so the case's code runs the same under any shell.
import { ApplicationFailure } from '@temporalio/common';

/**
 * Checks again, inside the handler, that the case has not moved on while the actor was verified (the
 * step still waits, the case is still open). A check refuses with a plain Error; in a handler that
 * would fail the workflow task (and retry it for ever), so the refusal becomes the Update's failure,
 * with the check's words.
 *
 * Unlike a validator, this runs again when a case replays: keep these checks to the few facts a
 * concurrent message can change, and change them only behind a patch.
 */
export function validateAgain<T>(validate: () => T): T {
  try {
    return validate();
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    throw ApplicationFailure.create({
      type: 'DecisionRefused',
      message: err instanceof Error ? err.message : String(err),
      nonRetryable: true,
    });
  }
}
