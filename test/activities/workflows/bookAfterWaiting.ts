// A case's meeting step reduced to its timing, for test/activities/clock.test.ts: the case waits
// (on a timer, as a case waits for its next check), then books a meeting whose earliest day has
// passed by then. Bundled by that test's worker; not part of the product's workflows.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../../activities';
import type { BookMeetingInput, BookMeetingResult } from '../../../activities/meetings';

const { bookMeeting } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 1 },
});

export async function bookAfterWaiting(input: {
  wait: string;
  booking: BookMeetingInput;
}): Promise<BookMeetingResult> {
  await sleep(input.wait);
  return bookMeeting(input.booking);
}
