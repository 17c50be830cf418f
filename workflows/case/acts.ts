// The activities an engine-2 case calls, each beside its retry policy. Reading and projecting are
// quick and retried until they work. Sends talk to outside services: a lost attempt (a crashed
// worker) is retried after its timeout, and after a bounded number of attempts the step becomes a
// task for a person, naming what failed, instead of retrying for ever.
//
// The quick reads and the projection also come as local activities (`quick`): run by the worker that
// runs the case, inside its workflow task, so each costs a marker in the history instead of a task
// scheduled through the server and a workflow task to take its result (docs/cost.md). They are short
// and safe to run twice (a projection carries its version; reads change nothing). Sends never are:
// they talk to the outside world and keep their own retries and timeouts.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { CaseSettings } from '../caseInput';

/** The activities a case may run locally: short, and harmless if run twice. */
export type QuickActivity = 'getSchoolCalendar' | 'loadPupilFacts' | 'projectCase';

export function caseActivities(settings: CaseSettings) {
  const data = proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
  });
  const sends = proxyActivities<Activities>({
    startToCloseTimeout: settings.sendAttemptTimeout ?? '2 minutes',
    retry: {
      initialInterval: '5 seconds',
      backoffCoefficient: 2,
      maximumInterval: '10 minutes',
      maximumAttempts: settings.sendAttempts ?? 5,
    },
  });
  const quick = proxyLocalActivities<Pick<Activities, QuickActivity>>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
  });
  return { data, sends, quick };
}

export type CaseActivities = ReturnType<typeof caseActivities>;
