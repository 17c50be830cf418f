// One pupil's attendance case as a Temporal workflow: the case's code (case/run.ts) run with the
// SDK's own functions as its shell. Cases started before engine 2 run on the frozen engine 1
// (engine1/attendanceCase.ts).
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { caseActivities } from './case/acts';
import { verifySignedActor } from './case/actorCheck';
import { caseClock } from './case/clock';
import { runCase } from './case/run';
import type { CaseShell } from './case/shell';
import { engineOf, type AttendanceCaseInput } from './caseInput';
import type { CaseView } from './caseMessages';
import { attendanceCaseEngine1 } from './engine1/attendanceCase';

export type { AttendanceCaseInput, CaseSettings } from './caseInput';

export async function attendanceCase(input: AttendanceCaseInput): Promise<CaseView> {
  if (engineOf(input) < 2) return attendanceCaseEngine1(input as Parameters<typeof attendanceCaseEngine1>[0]);
  assertCaseInput(input);
  return runCase(input, temporalShell(input));
}

/** The SDK's functions themselves, not wrappers: the case calls them exactly as it always has. */
function temporalShell(input: AttendanceCaseInput): CaseShell {
  const clock = caseClock(input.settings);
  const acts = caseActivities(input.settings);
  return {
    clock,
    acts,
    condition,
    patched,
    uuid4,
    setHandler,
    allHandlersFinished,
    continueAsNew: continueAsNew<typeof attendanceCase>,
    continueAsNewSuggested: () => workflowInfo().continueAsNewSuggested,
    upsertSearchAttributes,
    verifySignedActor,
  };
}

/** Rejects a malformed start input inside the workflow, without a thrown ZodError. */
export function assertCaseInput(input: AttendanceCaseInput): void {
  if (!input?.caseId || !input.schoolId || !input.pupilId || !input.policy?.stages?.length) {
    throw ApplicationFailure.nonRetryable(
      'attendanceCase needs caseId, schoolId, pupilId and a policy with stages',
    );
  }
}
