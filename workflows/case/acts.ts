// The activities an engine-2 case calls, each beside its retry policy. Reading and projecting are
// quick and retried until they work. Sends talk to outside services: a lost attempt (a crashed
// worker) is retried after its timeout, and after a bounded number of attempts the step becomes a
// task for a person, naming what failed, instead of retrying for ever.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { CaseSettings } from '../caseInput';

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
  return { data, sends };
}

export type CaseActivities = ReturnType<typeof caseActivities>;
