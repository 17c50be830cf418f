// The demo school's past: on a fresh start the demo replays the term up to yesterday through the
// real case workflows (the time-skipping simulation of scripts/simulation, writing into the demo's
// own store), with a demo attendance team that approves what is proposed, holds meetings (a few
// missed) and does most of its tasks a few days later (a few left undone, so some are overdue).
// The cases still open at the end are then moved to the live Temporal server with their state, as
// continue-as-new would carry it, and carry on in real time from today: today's sweep makes today's
// queue, a handful of approvals rather than a whole term's at once.
//
// Everything it writes is the demo school's, whose pupils and families are made up.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { buildCalendar } from '../../domain/calendar';
import { instantOfSchoolTime } from '../../domain/time';
import type { IsoDate } from '../../domain/types';
import { policyForSchool } from '../../policies/schoolPolicy';
import { approveEverything, runSimulation, type SimulatedDay } from '../../scripts/simulation/runSimulation';
import { usualOutcome } from '../../scripts/simulation/team';
import { listCasesAwaitingApproval, listOpenCaseTasks } from '../../store/cases';
import type { Db } from '../../store/db';
import {
  clearDemoCases,
  getReplayProgress,
  replayAdvanced,
  replayFinished,
  replayStarted,
} from '../../store/demoReplay';
import { getSchool } from '../../store/schools';
import { waitUntilQuiet, withDeadline } from '../../temporal/quiescence';
import type { CaseSettings } from '../../workflows/caseInput';
import { carriedState, completeTask, recordEvent, type Actor } from '../../workflows/caseMessages';
import { DEMO_SCHOOL_ID } from './demoSchool';

/** School days replayed: about six weeks, enough for letters, monitoring windows and meetings. */
export const DEMO_HISTORY_SCHOOL_DAYS = 30;
/**
 * The demo team decides as this (a manager may decide every step); timelines name it through
 * NON_USER_ACTORS in api/auth/users.ts.
 */
export const DEMO_TEAM: Actor = { userId: 'demo-team', role: 'manager' };

export interface DemoHistoryOptions {
  db: Db;
  /** The live server's client and task queue: the cases still open at the end move there. */
  live: Client;
  taskQueue: string;
  /** The live cases' settings (worker/services.ts caseSettingsFromConfig). */
  settings: CaseSettings;
  today: IsoDate;
  /** The first day the demo has marks for. */
  marksFrom: IsoDate;
  schoolDays?: number;
  onDay?: (day: IsoDate, index: number, total: number) => void;
}

export interface DemoHistoryResult {
  from: IsoDate;
  to: IsoDate;
  schoolDays: number;
  /** Cases moved to the live server (the others closed during the replay). */
  moved: number;
  wallSeconds: number;
}

/** Whether the demo school still needs its replay: never run, or cut short (the process stopped). */
export async function demoHistoryNeeded(db: Db): Promise<'fresh' | 'unfinished' | 'done'> {
  const p = await getReplayProgress(db, DEMO_SCHOOL_ID, Date.now());
  if (!p) {
    // A store from before the replay existed already has live cases: leave it as it is.
    const { rows } = await db.query('SELECT 1 FROM cases WHERE school_id = $1 LIMIT 1', [DEMO_SCHOOL_ID]);
    return rows.length > 0 ? 'done' : 'fresh';
  }
  // A replay that failed left cases whose workflows lived on a server that is gone: do it again.
  return p.finishedAt && !p.error ? 'done' : 'unfinished';
}

/**
 * Clears what a replay cut short (or failed) left: the live cases it had already handed over are
 * ended on the live server (the dev server keeps them in DATA_DIR), then the school's case records
 * go. The audit log is never touched.
 */
async function clearUnfinishedReplay(db: Db, live: Client): Promise<void> {
  const { rows } = await db.query<{ case_id: string }>(
    `SELECT case_id FROM cases WHERE school_id = $1 AND status <> 'closed'`,
    [DEMO_SCHOOL_ID],
  );
  for (const { case_id } of rows) {
    await live.workflow
      .getHandle(case_id)
      .terminate('the demo school’s replay is being done again')
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
  }
  await clearDemoCases(db, DEMO_SCHOOL_ID);
}

/** A stable choice per thing (a meeting, a task): the same demo every time. */
function oneIn(n: number, key: string): boolean {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % n === 0;
}

/** The demo team's day, after the sweep: approvals, then meetings that have taken place, then tasks. */
function demoTeam(checkTime: string, timeZone: string, lastDay: IsoDate, heartbeat: () => void) {
  return async (d: SimulatedDay): Promise<void> => {
    heartbeat();
    const calendar = buildCalendar((await getSchool(d.db, DEMO_SCHOOL_ID))!.calendar);
    await approveUntilNoneWait(d.db, d.client);
    // Meetings that have taken place by today's check: most attended, one in four missed.
    const { rows: meetings } = await d.db.query<{ id: string; case_id: string; step_id: string; on: string }>(
      `SELECT id, case_id, step_id, (starts_at AT TIME ZONE $3)::date::text AS on
       FROM meetings m WHERE school_id = $1 AND kind = 'meeting' AND status = 'booked' AND starts_at < $2
         AND EXISTS (SELECT 1 FROM cases c WHERE c.case_id = m.case_id AND c.status <> 'closed')
       ORDER BY starts_at`,
      [DEMO_SCHOOL_ID, new Date(instantOfSchoolTime(d.day, checkTime, timeZone)), timeZone],
    );
    for (const m of meetings) {
      const handle = d.client.workflow.getHandle(m.case_id);
      await withDeadline(
        handle.executeUpdate(recordEvent, {
          args: [
            {
              actor: DEMO_TEAM,
              on: m.on,
              event: {
                type: 'outcome',
                outcome: oneIn(4, `${m.case_id}:${m.step_id}`) ? 'meetingMissed' : 'meetingAttended',
                stepId: m.step_id,
              },
            },
          ],
        }),
        d.quietTimeoutMs,
        `the outcome of a meeting on ${m.case_id}`,
      );
      await waitUntilQuiet(d.client, m.case_id, { timeoutMs: d.quietTimeoutMs });
    }
    // Tasks are done the school day after they are made, except some of the last week's (overdue today).
    for (const { caseId, task } of await listOpenCaseTasks(d.db, [DEMO_SCHOOL_ID])) {
      // A penalty notice is requested per parent by a manager through the API: left for the manager.
      if (task.purpose === 'calendar' || task.kind === 'penaltyNoticeConsideration') continue;
      // The last week's work has not all been got to: one task in four from then is still open.
      // Chosen by the case, step and day (ids made inside a workflow differ from run to run).
      const stable = `${caseId}:${task.stepId}:${task.createdOn}`;
      if (calendar.schoolDaysBetween(task.createdOn, lastDay).length <= 5 && oneIn(4, stable)) continue;
      if (calendar.schoolDaysBetween(task.createdOn, d.day).length <= 1) continue;
      await withDeadline(
        d.client.workflow.getHandle(caseId).executeUpdate(completeTask, {
          args: [{ actor: DEMO_TEAM, taskId: task.taskId, outcome: usualOutcome(task), on: d.day }],
        }),
        d.quietTimeoutMs,
        `the outcome of "${task.title}" on ${caseId}`,
      );
      await waitUntilQuiet(d.client, caseId, { timeoutMs: d.quietTimeoutMs });
    }
  };
}

/**
 * Approves what waits, then what that approval brought on (a step with no wait after it), until
 * nothing waits: a case moved to the live server must not carry a proposal, which only the run that
 * proposed it is waiting on.
 */
async function approveUntilNoneWait(db: Db, client: Client): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const waiting = await listCasesAwaitingApproval(db, [DEMO_SCHOOL_ID]);
    if (waiting.length === 0) return;
    await approveEverything(db, client, [DEMO_SCHOOL_ID], DEMO_TEAM);
  }
  throw new Error('the demo team could not clear its approvals in ten rounds');
}

/**
 * Replays the demo school's term up to the last school day before `today`, then moves its open
 * cases to the live server. A replay cut short before is cleared first (its cases lived on a server
 * that is gone).
 */
export async function replayDemoHistory(opts: DemoHistoryOptions): Promise<DemoHistoryResult | null> {
  const { db } = opts;
  const started = Date.now();
  const school = await getSchool(db, DEMO_SCHOOL_ID);
  if (!school) throw new Error('the demo school is not in the store');
  const calendar = buildCalendar(school.calendar);
  // Two school weeks of marks before the first replayed day, so its figures mean something.
  const earliest = calendar.addSchoolDays(opts.marksFrom, 10);
  const before = calendar.schoolDaysBetween(earliest, opts.today).filter((d) => d < opts.today);
  const days = before.slice(Math.max(0, before.length - (opts.schoolDays ?? DEMO_HISTORY_SCHOOL_DAYS)));
  if (days.length === 0) return null;
  if ((await demoHistoryNeeded(db)) === 'unfinished') await clearUnfinishedReplay(db, opts.live);
  await replayStarted(db, DEMO_SCHOOL_ID, days.length);
  const policy = await policyForSchool(db, DEMO_SCHOOL_ID);
  let moved = 0;
  let reached: { done: number; day: IsoDate | null } = { done: 0, day: null };
  // The banner (and the guard on live sweeps) hears from the replay at least every few cases.
  const heartbeat = (done = reached.done, day = reached.day) => {
    reached = { done, day };
    void replayAdvanced(db, DEMO_SCHOOL_ID, done, day).catch(() => undefined);
  };
  try {
    await runSimulation({
      source: db,
      store: 'inPlace',
      schoolId: DEMO_SCHOOL_ID,
      policy,
      from: days[0]!,
      to: days[days.length - 1]!,
      approve: 'all',
      team: demoTeam(opts.settings.checkTime, opts.settings.timeZone, days[days.length - 1]!, () =>
        heartbeat(),
      ),
      onDay: (day, i, total) => {
        heartbeat(i + 1, day);
        opts.onDay?.(day, i, total);
      },
      handOver: async ({ client, caseIds }) => {
        await approveUntilNoneWait(db, client);
        const { rows: open } = await db.query<{ case_id: string }>(
          `SELECT case_id FROM cases WHERE school_id = $1 AND status <> 'closed' AND case_id = ANY($2)`,
          [DEMO_SCHOOL_ID, caseIds],
        );
        for (const { case_id } of open) {
          const input = await client.workflow.getHandle(case_id).query(carriedState);
          // Same case, same id, same state: from here on it runs in real time on the live server.
          // One already there is from a hand-over cut short: this state replaces it.
          await opts.live.workflow.start('attendanceCase', {
            taskQueue: opts.taskQueue,
            workflowId: case_id,
            args: [{ ...input, settings: opts.settings }],
            workflowIdConflictPolicy: 'TERMINATE_EXISTING',
          });
          if (++moved % 25 === 0) heartbeat();
        }
      },
    });
    await replayFinished(db, DEMO_SCHOOL_ID, null);
  } catch (err) {
    await replayFinished(db, DEMO_SCHOOL_ID, (err as Error).message).catch(() => undefined);
    throw err;
  }
  return {
    from: days[0]!,
    to: days[days.length - 1]!,
    schoolDays: days.length,
    moved,
    wallSeconds: (Date.now() - started) / 1000,
  };
}
