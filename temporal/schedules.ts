// The Schedules that run work without a person (each created again updates it; idempotent on start):
// - per school, the daily sweep after the registers close, on school weekdays, in the school's zone;
// - per school with an MIS, the sync after the registers close and again before the sweep;
// - one for the deployment, the check of what GOV.UK Notify did with what it was given.
import {
  type Client,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ScheduleOptionsAction,
  type ScheduleSpec,
} from '@temporalio/client';

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
  const scheduleId = sweepScheduleId(opts.schoolId);
  await createOrUpdate(client, scheduleId, weekdaysAt([opts.time], opts.timeZone), {
    type: 'startWorkflow',
    workflowType: 'schoolSweep',
    taskQueue: opts.taskQueue,
    workflowId: `sweep-${opts.schoolId}`,
    args: [{ schoolId: opts.schoolId, timeZone: opts.timeZone }],
  });
  return scheduleId;
}

export function misSyncScheduleId(schoolId: string): string {
  return `mis-sync-${schoolId}`;
}

export interface MisSyncScheduleOptions {
  schoolId: string;
  /** HH:MM local times after the registers close (MIS_SYNC_TIMES). */
  times: readonly string[];
  /** The sweep's time: one more sync runs 20 minutes before it, so it reads the day's marks. */
  sweepTime: string;
  timeZone: string;
  taskQueue: string;
}

/** The sync times: those given, and one 20 minutes before the sweep (sorted, each once). */
export function misSyncTimes(times: readonly string[], sweepTime: string): string[] {
  const [h, m] = sweepTime.split(':').map(Number) as [number, number];
  const before = Math.max(0, h * 60 + m - 20);
  const beforeSweep = `${String(Math.floor(before / 60)).padStart(2, '0')}:${String(before % 60).padStart(2, '0')}`;
  return [...new Set([...times.map((t) => t.trim()), beforeSweep])].sort();
}

export async function ensureMisSyncSchedule(client: Client, opts: MisSyncScheduleOptions): Promise<string> {
  const scheduleId = misSyncScheduleId(opts.schoolId);
  await createOrUpdate(
    client,
    scheduleId,
    weekdaysAt(misSyncTimes(opts.times, opts.sweepTime), opts.timeZone),
    {
      type: 'startWorkflow',
      workflowType: 'misSync',
      taskQueue: opts.taskQueue,
      workflowId: `mis-sync-${opts.schoolId}`,
      args: [{ schoolId: opts.schoolId, trigger: 'schedule' }],
    },
  );
  return scheduleId;
}

/** The school's MIS was disconnected: its syncs stop. */
export async function removeMisSyncSchedule(client: Client, schoolId: string): Promise<void> {
  try {
    await client.schedule.getHandle(misSyncScheduleId(schoolId)).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}

export const DELIVERY_CHECK_SCHEDULE_ID = 'notify-delivery-check';

/** Every 30 minutes, every day: Notify posts and delivers at weekends too. */
export async function ensureDeliveryCheckSchedule(
  client: Client,
  opts: { taskQueue: string },
): Promise<string> {
  await createOrUpdate(
    client,
    DELIVERY_CHECK_SCHEDULE_ID,
    { intervals: [{ every: '30 minutes' }] },
    {
      type: 'startWorkflow',
      workflowType: 'deliveryCheck',
      taskQueue: opts.taskQueue,
      workflowId: DELIVERY_CHECK_SCHEDULE_ID,
      args: [],
    },
  );
  return DELIVERY_CHECK_SCHEDULE_ID;
}

function weekdaysAt(times: readonly string[], timeZone: string): ScheduleSpec {
  return {
    calendars: times.map((t) => {
      const [hour, minute] = t.split(':').map(Number) as [number, number];
      return { hour, minute, dayOfWeek: [{ start: 'MONDAY' as const, end: 'FRIDAY' as const }] };
    }),
    timezone: timeZone,
  };
}

async function createOrUpdate(
  client: Client,
  scheduleId: string,
  spec: ScheduleSpec,
  action: ScheduleOptionsAction,
): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      // A run still going when the next is due is skipped, never run twice at once.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action }));
  }
}
