// The production shape, smoke-tested: Temporal's four services as separate processes on PostgreSQL.
// Maya's attendance is 80%. The sweep opens her case under the three-letter system and Letter 1 goes
// to her mother; the case then waits through its 20-school-day monitoring window on durable timers
// (the school's clock runs a day every 3 seconds, see support.ts). While it waits, the history service,
// which owns those timers, is killed outright and started again. The window still ends on its day,
// every timer fires once, and Letter 2's meeting is proposed to the team: nothing lost, nothing twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { tsToMs } from '@temporalio/common/lib/time';
import { buildCalendar } from '../../domain/calendar';
import type { SweepResult } from '../../activities/caseData';
import type { CaseView } from '../../workflows/caseMessages';
import { CALENDAR } from '../workflows/harness';
import {
  eventName,
  historiesOf,
  importSchool,
  SCHOOL_ID,
  startCaseWorker,
  startTestCluster,
  timers,
  waitUntil,
  type CaseWorker,
  type TestCluster,
} from './support';

const START = '2025-11-17';
const MOTHER = 'sara.lane@example.org';

describe('the cluster: a case waits through its monitoring window while the history service is killed', () => {
  let t: TestCluster;
  let w: CaseWorker;
  let caseId: string;

  beforeAll(async () => {
    t = await startTestCluster();
    await importSchool(t.db, [
      {
        givenName: 'Maya',
        familyName: 'Lane',
        email: MOTHER,
        // Away, unauthorised, one day in five: 80% attendance all year.
        mark: (_d, session, i) => (i % 5 === 0 ? 'O' : session === 'AM' ? '/' : '\\'),
      },
    ]);
    w = await startCaseWorker(t, { policy: 'three-letter-system', simStart: START });
  }, 600_000);

  afterAll(async () => {
    await w?.stop();
    await t?.stop();
  }, 120_000);

  it('reports PostgreSQL persistence and more than one history shard', async () => {
    const info = await t.client.workflowService.getClusterInfo({});
    expect(info.persistenceStore).toBe('postgres12');
    expect(info.visibilityStore).toBe('postgres12');
    expect(info.historyShardCount).toBeGreaterThan(1);
    expect([...t.cluster.services.processes.keys()].sort()).toEqual([
      'frontend',
      'history',
      'matching',
      'worker',
    ]);
  });

  it('opens the case, sends Letter 1 once, and the window’s timers each fire once across the history service’s crash', async () => {
    w.startClock();
    const sweep: SweepResult = await t.client.workflow.execute('schoolSweep', {
      taskQueue: w.taskQueue,
      workflowId: `sweep-${randomUUID()}`,
      args: [{ schoolId: SCHOOL_ID, asOf: START }],
    });
    expect(sweep.opened).toBe(1);
    caseId = sweep.openedCaseIds[0]!;

    const [letter1] = await t.smtp.waitFor(1, 120_000);
    expect(letter1!.to && !Array.isArray(letter1!.to) ? letter1!.to.value[0]?.address : '').toBe(MOTHER);
    expect(letter1!.text).toContain('Maya');

    // The case is waiting on a timer in its monitoring window: the history service holds it.
    const waiting = await waitUntil('the case to wait on a timer in its monitoring window', async () => {
      const runs = await historiesOf(t.client, caseId);
      const last = timers(runs).at(-1)!;
      const pending = [...last.started.keys()].find((id) => !last.fired.has(id));
      const events = runs.at(-1)!.events ?? [];
      const runClosed = events.some((e) => eventName(e).startsWith('WORKFLOW_EXECUTION_CONTINUED'));
      const started = events.find((e) => e.timerStartedEventAttributes?.timerId === pending);
      if (!pending || runClosed || !started) return null;
      const firesAt =
        tsToMs(started.eventTime) + tsToMs(started.timerStartedEventAttributes!.startToFireTimeout);
      return { run: runs.length - 1, timerId: pending, firesAt };
    });

    await t.cluster.services.kill('history');
    // The crash came while the timer was still waiting, so it is the restarted service that fires it.
    expect(Date.now()).toBeLessThan(waiting.firesAt);
    await t.cluster.services.start('history');

    // The window ends 20 school days after Letter 1; with no improvement the team is asked to
    // approve Letter 2's meeting. Read from the read model, as the case page does.
    const view = await waitUntil(
      'Letter 2 to be proposed at the end of the monitoring window',
      async () => {
        const { rows } = await t.db.query<{ view: CaseView }>('SELECT view FROM cases WHERE case_id = $1', [
          caseId,
        ]);
        const v = rows[0]?.view;
        return v?.pending.some((p) => p.step.stepId === 'letter-2') ? v : null;
      },
      300_000,
    );
    expect(view.stageId).toBe('letter-two');
    // Letter 1 goes the day the case opens. The school clock here runs a day in a few seconds, so on
    // a loaded machine the send can land on the next school day: the window counts from the send.
    const calendar = buildCalendar(CALENDAR);
    const sentOn = view.timeline.find((e) => e.type === 'letterSent')!.date;
    expect([START, calendar.addSchoolDays(START, 1)]).toContain(sentOn);
    const windowEnds = calendar.addSchoolDays(sentOn, 20);
    expect(view.pending.find((p) => p.step.stepId === 'letter-2')!.proposedOn).toBe(windowEnds);

    const runs = timers(await historiesOf(t.client, caseId));
    // The timer the case was waiting on when the history service died fired, once.
    expect(runs[waiting.run]!.fired.get(waiting.timerId)).toBe(1);
    // And no timer of any run fired twice.
    for (const r of runs) for (const [, n] of r.fired) expect(n).toBe(1);
    // Letter 1 reached Maya's mother once; Letter 2 waits for the team, so nothing else went.
    expect(t.smtp.messages.filter((m) => JSON.stringify(m.to).includes(MOTHER))).toHaveLength(1);
  }, 600_000);
});
