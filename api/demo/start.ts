// The demo school at start-up (api/main.ts), the same for `npm start` and the tests that check what
// a newcomer sees: seed it, replay its term so far when it has none (docs/demo.md), then today's
// sweep and the daily schedule. The replay runs beside the API; nothing live acts on the school until
// it is over.
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../../config/env';
import { schoolDateAt } from '../../domain/time';
import type { Db } from '../../store/db';
import { ensureSweepSchedule } from '../../temporal/schedules';
import { caseSettingsFromConfig } from '../../worker/services';
import { DEMO_SCHOOL_ID } from './demoSchool';
import { demoHistoryNeeded, replayDemoHistory, type DemoHistoryResult } from './history';
import { seedDemoSchool, type DemoSeedResult } from './seed';

export interface DemoStart {
  demo: DemoSeedResult;
  /** Whether the term is being replayed (first start, or a replay cut short). */
  replaying: boolean;
  /** Settles when the replay (if any), today's sweep and the schedule have started. */
  ready: Promise<DemoHistoryResult | null>;
}

export async function startDemoSchool(
  deps: { db: Db; temporal: Client; config: AppConfig },
  opts: { pupils?: number; historyDays?: number } = {},
): Promise<DemoStart> {
  const { db, temporal, config } = deps;
  const today = schoolDateAt(Date.now(), config.SCHOOL_TIMEZONE);
  const demo = await seedDemoSchool(db, {
    today,
    dataDir: config.DATA_DIR,
    ...(opts.pupils ? { pupils: opts.pupils } : {}),
  });
  const replaying = demo.marksFrom !== null && (await demoHistoryNeeded(db)) !== 'done';
  const ready = (async () => {
    const replayed = replaying
      ? await replayDemoHistory({
          db,
          live: temporal,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          settings: caseSettingsFromConfig(config),
          today,
          marksFrom: demo.marksFrom!,
          ...(opts.historyDays ? { schoolDays: opts.historyDays } : {}),
        })
      : null;
    await temporal.workflow.start('schoolSweep', {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId: `sweep-${DEMO_SCHOOL_ID}-${Date.now()}`,
      args: [{ schoolId: DEMO_SCHOOL_ID, timeZone: config.SCHOOL_TIMEZONE }],
    });
    await ensureSweepSchedule(temporal, {
      schoolId: DEMO_SCHOOL_ID,
      time: config.SWEEP_TIME,
      timeZone: config.SCHOOL_TIMEZONE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
    });
    return replayed;
  })();
  return { demo, replaying, ready };
}
