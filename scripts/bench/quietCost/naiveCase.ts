// The baseline the cost of a quiet case is measured against: a naive case that polls its pupil's
// figures every school day (a timer to the next day's check, an activity to load and judge them).
// Bench-only: bundled by scripts/bench/quietCost.ts for its own worker, never deployed.
import { proxyActivities, sleep } from '@temporalio/workflow';

const { pollPupil } = proxyActivities<{ pollPupil(pupilId: string): Promise<{ stageChanged: boolean }> }>({
  startToCloseTimeout: '1 minute',
});

/**
 * Polls once per school day (weekdays) for `schoolDays` days. `dayMs` is a day's length (a day, or
 * less on a server that cannot skip time: the actions a poll costs do not depend on it).
 */
export async function naivePollingCase(input: {
  pupilId: string;
  schoolDays: number;
  startWeekday: number;
  dayMs: number;
}) {
  let weekday = input.startWeekday; // 1 = Monday ... 5 = Friday
  for (let day = 0; day < input.schoolDays; day++) {
    const gapDays = weekday === 5 ? 3 : 1; // Friday to Monday
    await sleep(gapDays * input.dayMs);
    weekday = weekday === 5 ? 1 : weekday + 1;
    await pollPupil(input.pupilId);
  }
}
