// One Temporal Schedule per school runs the daily sweep after the registers close, on school
// weekdays, in the school's time zone. Creating it again updates it (idempotent on start).
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';

export interface SweepScheduleOptions {
  schoolId: string;
  /** HH:MM, local school time. */
  time: string;
  timeZone: string;
  taskQueue: string;
}

export function sweepScheduleId(schoolId: string): string {
  return `sweep-${schoolId}`;
}

export async function ensureSweepSchedule(client: Client, opts: SweepScheduleOptions): Promise<string> {
  const [hour, minute] = opts.time.split(':').map(Number) as [number, number];
  const scheduleId = sweepScheduleId(opts.schoolId);
  const spec = {
    calendars: [{ hour, minute, dayOfWeek: [{ start: 'MONDAY' as const, end: 'FRIDAY' as const }] }],
    timezone: opts.timeZone,
  };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'schoolSweep',
    taskQueue: opts.taskQueue,
    workflowId: `sweep-${opts.schoolId}`,
    args: [{ schoolId: opts.schoolId, timeZone: opts.timeZone }],
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      // A sweep that is still running when the next is due is skipped, never run twice at once.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action }));
  }
  return scheduleId;
}
