// Every half hour (a Temporal Schedule): what GOV.UK Notify did with the letters and messages it was
// given, for every school with Notify. One activity; Notify's callbacks say the same sooner.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { checkNotifyDeliveries } = proxyActivities<Activities>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

export async function deliveryCheck() {
  return checkNotifyDeliveries();
}
