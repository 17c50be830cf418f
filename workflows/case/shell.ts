// What a case needs from whatever runs it: waiting, messages, ids, patches and its activities.
// On Temporal (attendanceCase.ts) these are the SDK's own functions, passed by reference, so a case
// runs and replays exactly as when run.ts called them directly: no wrapper adds a step between the
// case and the SDK. An in-process driver (a what-if over a year of marks) gives its own, with a
// simulated school clock, and runs the same case code (run.ts and all it calls).
import type * as wf from '@temporalio/workflow';
import type { AttendanceCaseInput } from '../caseInput';
import type { Actor } from '../caseMessages';
import type { CaseActivities } from './acts';
import type { SchoolClock } from './clock';

export interface CaseShell {
  clock: SchoolClock;
  acts: CaseActivities;
  /** Resolves when `fn` is true (true), or after `ms` (false). */
  condition: typeof wf.condition;
  /** Whether this run takes the behaviour added under `patchId` (docs/workflow-versioning.md). */
  patched: (patchId: string) => boolean;
  /** A fresh id, the same on replay. */
  uuid4: () => string;
  setHandler: typeof wf.setHandler;
  allHandlersFinished: () => boolean;
  /** Ends this run and starts the next with `next` (a fresh run per stage keeps histories short). */
  continueAsNew: (next: AttendanceCaseInput) => Promise<never>;
  /** The server suggests a fresh run (the history is long). */
  continueAsNewSuggested: () => boolean;
  upsertSearchAttributes: typeof wf.upsertSearchAttributes;
  /** Resolves once the API's signature on this actor, Update and arguments is verified. */
  verifySignedActor: (update: string, message: { actor: Actor }) => Promise<void>;
}
