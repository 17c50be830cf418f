// A hundred pupils at Harbour Lane are at 80% attendance. One sweep opens a case for each under the
// three-letter system; Letter 1 goes to every parent and each case waits through its 20-school-day
// monitoring window on durable timers. While all hundred are waiting, Temporal's history service
// (which owns every one of those timers) is killed outright and started again. Every timer that was
// waiting at the crash fires once, no timer of any case fires twice, every window ends on its day
// (the timer due at its last day's check fires on that day), Letter 2's meeting is then proposed to
// the team on every case, never before the window's end, and each parent has had Letter 1 once.
//
// The school's clock runs a day every 20 seconds here (the smoke test's 3 seconds is for one case).
// A hundred cases whose windows end together wake together, and on a busy two-core machine the one
// worker takes a while to get through them all: a case that proposes Letter 2 more than a school
// day's 20 seconds after the check dates it a day or more later. How many did, and how late in real
// seconds, is reported; it is the worker's pace, not the crash (the timers' firing times say so).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { tsToMs } from '@temporalio/common/lib/time';
import { buildCalendar } from '../../domain/calendar';
import { instantOfSchoolTime, schoolDateAt } from '../../domain/time';
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
} from '../cluster/support';
import { loadAverage, median, report, seconds, tallyMail } from './support';

const CASES = 100;
const START = '2025-11-17';
/** One school day per 20 real seconds. */
const SCHOOL_DAY_SECONDS = 20;
const RATE = (24 * 3600) / SCHOOL_DAY_SECONDS;
const parentOf = (i: number) => `parent.${String(i).padStart(3, '0')}@example.org`;
const GIVEN = ['Maya', 'Noah', 'Amira', 'Ben', 'Cleo', 'Dan', 'Evie', 'Finn', 'Grace', 'Hari'];
const FAMILY = ['Lane', 'Grant', 'Khan', 'Lewis', 'Morris', 'Price', 'Shaw', 'Turner', 'Walsh', 'Young'];

interface Waiting {
  run: number;
  timerId: string;
  firesAt: number;
}

/** The timer the case waits on now in its latest run, or null if it is not waiting on one. */
async function waitingTimer(t: TestCluster, caseId: string): Promise<Waiting | null> {
  const runs = await historiesOf(t.client, caseId);
  const last = timers(runs).at(-1)!;
  const pending = [...last.started.keys()].find((id) => !last.fired.has(id));
  const events = runs.at(-1)!.events ?? [];
  const runClosed = events.some((e) => eventName(e).startsWith('WORKFLOW_EXECUTION_CONTINUED'));
  const started = events.find((e) => e.timerStartedEventAttributes?.timerId === pending);
  const cancelled = events.some((e) => e.timerCanceledEventAttributes?.timerId === pending);
  if (!pending || runClosed || !started || cancelled) return null;
  const firesAt = tsToMs(started.eventTime) + tsToMs(started.timerStartedEventAttributes!.startToFireTimeout);
  return { run: runs.length - 1, timerId: pending, firesAt };
}

describe('the history service dies while a hundred cases wait through their monitoring windows', () => {
  let t: TestCluster;
  let w: CaseWorker;

  beforeAll(async () => {
    t = await startTestCluster();
    await importSchool(
      t.db,
      Array.from({ length: CASES }, (_, i) => ({
        givenName: GIVEN[i % GIVEN.length]!,
        familyName: FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length]!,
        email: parentOf(i),
        // Away, unauthorised, one day in five: 80% attendance all year.
        mark: (_d, session, day) => (day % 5 === 0 ? 'O' : session === 'AM' ? '/' : '\\'),
      })),
    );
    w = await startCaseWorker(t, {
      policy: 'three-letter-system',
      simStart: START,
      rate: RATE,
    });
  }, 600_000);

  afterAll(async () => {
    await w?.stop();
    await t?.stop();
  }, 120_000);

  it(
    'every window ends on its day and every timer fires once across the crash',
    async () => {
      const began = Date.now();
      w.startClock();
      const sweep: SweepResult = await t.client.workflow.execute('schoolSweep', {
        taskQueue: w.taskQueue,
        workflowId: `sweep-${randomUUID()}`,
        args: [{ schoolId: SCHOOL_ID, asOf: START }],
      });
      expect(sweep.opened).toBe(CASES);
      const caseIds = sweep.openedCaseIds;
      await t.smtp.waitFor(CASES, 600_000);

      // Every case is waiting on a timer of its monitoring window, none of them about to fire:
      // the history service holds them all.
      const waiting = await waitUntil(
        'every case to wait on a timer in its monitoring window',
        async () => {
          const all = new Map<string, Waiting>();
          for (const id of caseIds) {
            const wt = await waitingTimer(t, id);
            // Far enough ahead that the kill and the restart certainly come first.
            if (!wt || wt.firesAt < Date.now() + 30_000) return null;
            all.set(id, wt);
          }
          return all;
        },
        600_000,
      );
      const firstDue = Math.min(...[...waiting.values()].map((x) => x.firesAt));
      // Where each window ends, as the case set it when it opened.
      const { rows: before } = await t.db.query<{ case_id: string; view: CaseView }>(
        'SELECT case_id, view FROM cases WHERE case_id = ANY($1)',
        [caseIds],
      );
      const windowEnd = new Map(before.map((r) => [r.case_id, r.view.monitoringUntil]));

      const killedAt = Date.now();
      await t.cluster.services.kill('history');
      // The crash came while every one of those timers was still waiting.
      expect(Date.now()).toBeLessThan(firstDue);
      await t.cluster.services.start('history');
      const restartedMs = Date.now() - killedAt;

      // Each window ends 20 school days after the case opened; with no improvement the team is asked
      // to approve Letter 2's meeting. Read from the read model, as the case page does.
      const views = await waitUntil(
        'Letter 2 to be proposed on every case at the end of its monitoring window',
        async () => {
          const { rows } = await t.db.query<{ case_id: string; view: CaseView }>(
            'SELECT case_id, view FROM cases WHERE case_id = ANY($1)',
            [caseIds],
          );
          const proposed = rows.filter((r) => r.view.pending.some((p) => p.step.stepId === 'letter-2'));
          return proposed.length === CASES ? proposed : null;
        },
        900_000,
      );
      const allProposedMs = Date.now() - began;

      const calendar = buildCalendar(CALENDAR);
      const sim = w.settings.simulation!;
      const simOf = (realMs: number) =>
        instantOfSchoolTime(sim.simStart, '01:00', 'Europe/London') + (realMs - sim.realStartMs) * RATE;
      const openings = new Map<string, number>();
      const problems: string[] = [];
      const proposedLateMs: number[] = [];
      const proposedDaysLate = new Map<number, number>();
      const firedLateMs: number[] = [];
      let timersFired = 0;
      let firedTwice = 0;
      let waitingFiredOnce = 0;
      for (const { case_id: caseId, view } of views) {
        expect(view.stageId).toBe('letter-two');
        const letters = view.timeline.filter((e) => e.type === 'letterSent').map((e) => e.date);
        expect(letters).toHaveLength(1);
        const opened = `opened ${view.openedOn}, Letter 1 ${letters[0]}`;
        openings.set(opened, (openings.get(opened) ?? 0) + 1);
        // The school's clock runs on while a hundred cases open on a busy machine, so a case may open,
        // and its Letter 1 go, a school day or two after the sweep's. Its window is its own: 20 school
        // days from the day it opened, set before the crash.
        const end = windowEnd.get(caseId)!;
        if (end !== calendar.addSchoolDays(view.openedOn, 20))
          problems.push(`${caseId}: opened ${view.openedOn}, window to ${end}`);

        const histories = await historiesOf(t.client, caseId);
        const runs = timers(histories);
        const atCrash = waiting.get(caseId)!;
        // The timer the case was waiting on when the history service died fired, once.
        if (runs[atCrash.run]!.fired.get(atCrash.timerId) === 1) waitingFiredOnce++;
        for (const r of runs)
          for (const [, n] of r.fired) {
            timersFired++;
            if (n !== 1) firedTwice++;
          }
        // The window's end: the timer due at the 01:00 check of its last day fired on that day.
        let endFired = 0;
        for (const h of histories)
          for (const e of h.events ?? []) {
            const id = e.timerFiredEventAttributes?.timerId;
            const started = id && h.events!.find((x) => x.timerStartedEventAttributes?.timerId === id);
            if (!started) continue;
            const due =
              tsToMs(started.eventTime) + tsToMs(started.timerStartedEventAttributes!.startToFireTimeout);
            firedLateMs.push(tsToMs(e.eventTime) - due);
            if (schoolDateAt(simOf(due), 'Europe/London') !== end) continue;
            endFired++;
            if (schoolDateAt(simOf(tsToMs(e.eventTime)), 'Europe/London') !== end)
              problems.push(`${caseId}: the window's last timer fired after ${end}`);
          }
        if (endFired !== 1) problems.push(`${caseId}: ${endFired} timers fired for the window's end`);
        // Letter 2 is proposed once the case has acted on the window's end: never before its last day.
        const proposal = view.pending.find((p) => p.step.stepId === 'letter-2')!;
        if (proposal.proposedOn < end)
          problems.push(
            `${caseId}: Letter 2 proposed ${proposal.proposedOn}, before the window's end ${end}`,
          );
        const daysLate = calendar.schoolDaysBetween(end, proposal.proposedOn).length - 1;
        proposedDaysLate.set(daysLate, (proposedDaysLate.get(daysLate) ?? 0) + 1);
        proposedLateMs.push(
          (Date.parse(proposal.proposedAt) - instantOfSchoolTime(end, '01:00', 'Europe/London')) / RATE,
        );
      }
      const tally = tallyMail(
        t.smtp.messages,
        Array.from({ length: CASES }, (_, i) => parentOf(i)),
      );
      report(`History service killed while ${CASES} cases wait on their monitoring windows`, {
        cases: CASES,
        'school day': `${SCHOOL_DAY_SECONDS} s; window: 20 school days from the day the case opened`,
        'cases by the day they opened and sent Letter 1': [...openings]
          .sort()
          .map(([d, n]) => `${d}: ${n}`)
          .join('; '),
        'timers waiting at the kill': waiting.size,
        'history down (kill to port open)': seconds(restartedMs),
        'waiting timers that fired once': `${waitingFiredOnce} of ${waiting.size}`,
        'timers fired in all / fired twice': `${timersFired} / ${firedTwice}`,
        'timers fired after their due time (median / max)': `${seconds(median(firedLateMs))} / ${seconds(Math.max(...firedLateMs))}`,
        'windows whose last timer fired on their last day': `${CASES - problems.filter((p) => p.includes('timer')).length} of ${CASES}`,
        'Letter 2 proposed (school days after the window’s last day: cases)': [...proposedDaysLate]
          .sort((x, y) => x[0] - y[0])
          .map(([d, n]) => `${d}: ${n}`)
          .join(', '),
        'Letter 2 proposed after the last day’s check (median / max, real time)': `${seconds(median(proposedLateMs))} / ${seconds(Math.max(...proposedLateMs))}`,
        problems: problems.length ? problems.join('; ') : 'none',
        'Letter 1 deliveries / lost / duplicates / redeliveries': `${tally.deliveries} / ${tally.lost.length} / ${tally.duplicates.length} / ${tally.redeliveries}`,
        'sweep to every Letter 2 proposed': seconds(allProposedMs),
        'load average': await loadAverage(),
      });
      expect(problems).toEqual([]);
      expect(waitingFiredOnce).toBe(waiting.size);
      expect(firedTwice).toBe(0);
      // Letter 1 reached each parent once; Letter 2 waits for the team, so nothing else went.
      expect(tally.lost).toEqual([]);
      expect(tally.strays).toEqual([]);
      expect(tally.deliveries).toBe(CASES);
      expect(tally.distinctMessages).toBe(CASES);
    },
    40 * 60_000,
  );
});
