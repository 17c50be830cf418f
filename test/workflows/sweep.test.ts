// The daily sweep, as production runs it after the registers close: it opens a case for each pupil
// who meets an entry trigger, brings open cases their new figures (only when they changed), and
// opens a new case when a pupil whose case was closed falls behind again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSweepProgress } from '../../store/sweepProgress';
import { SCENARIO_TIMEOUT_MS, markPattern, startHarness, type Harness, type History } from './harness';

const START = '2025-11-17'; // a Monday
const FALLS_AGAIN = '2026-02-02'; // Ben is away all week from this Monday

/** About 92% all year, an unauthorised absence every sixth day: Stage One, and it stays open. */
const steadyStageOne = markPattern((_d, s, i) => (i % 6 === 0 && s === 'AM' ? 'O' : null));
/** About 92% before START, then every session until a week away from FALLS_AGAIN. */
const recoversThenFalls = markPattern((date, s, i) => {
  if (date < START) return i % 6 === 0 && s === 'AM' ? 'O' : null;
  if (date >= FALLS_AGAIN && date <= '2026-02-06') return 'O';
  return null;
});
const alwaysThere = markPattern(() => null);

/** How many times the sweep has signalled the case new figures, over all its runs. */
const factsSignals = (histories: History[]) =>
  histories
    .flatMap((h) => h.events ?? [])
    .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'factsUpdated').length;

describe('the daily sweep and the cases it feeds', () => {
  let h: Harness;
  let firstSweep: Awaited<ReturnType<Harness['sweep']>>;

  beforeAll(async () => {
    h = await startHarness({
      scenario: 'sweep',
      policy: 'bradford-staged-intervention',
      start: START,
      pupils: [
        { key: 'jo', givenName: 'Jo', familyName: 'Best', mark: steadyStageOne },
        { key: 'ben', givenName: 'Ben', familyName: 'Lewis', mark: recoversThenFalls },
        { key: 'ola', givenName: 'Ola', familyName: 'Ade', mark: alwaysThere },
      ],
    });
    firstSweep = await h.sweep();
    // The team calls both families on the first day; monitoring follows.
    expect(await h.approveAll()).toBe(2);
    expect(await h.doTasks()).toBe(2); // and the calls are made
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('opens a case for each pupil who meets an entry trigger, and none for the rest', async () => {
    expect(firstSweep).toMatchObject({ evaluated: 3, opened: 2, updated: 0, unchanged: 0 });
    expect((await h.view('jo')).stageId).toBe('stage-one');
    expect((await h.view('ben')).stageId).toBe('stage-one');
    expect(await h.caseIdOf('ola')).toBeNull();
  });

  it('leaves its progress for the web app’s banner: every pupil looked at, finished, not running', async () => {
    const { rows } = await h.db.query<{ school_id: string }>('SELECT id AS school_id FROM schools');
    const progress = await getSweepProgress(h.db, rows[0]!.school_id, Date.now());
    expect(progress).toMatchObject({ asOf: START, total: 3, evaluated: 3, running: false });
    expect(progress!.finishedAt).not.toBeNull();
  });

  it('sends open cases nothing when the sweep runs again with the same figures', async () => {
    const before = factsSignals(await h.histories('jo'));
    const again = await h.sweep();
    expect(again).toMatchObject({ evaluated: 3, opened: 0, updated: 0, unchanged: 2 });
    expect(factsSignals(await h.histories('jo'))).toBe(before);
  });

  it('checks each open case for it on a day nothing changes: no message to the case, the day’s figures on its page', async () => {
    const before = factsSignals(await h.histories('jo'));
    await h.advanceSchoolDays(1); // Tuesday: Stage One checks weekly, on Mondays
    const v = await h.view('jo');
    // The sweep judged Jo's case as the case would (docs/cost.md) and found nothing to change.
    expect(factsSignals(await h.histories('jo'))).toBe(before);
    expect(v.sweptOn).toBe(h.today());
    expect(v.latestFacts?.asOf).toBe(h.today());
    expect(v.next.on).not.toBe(h.today());
  });

  it(
    'opens a new case for a pupil whose case closed and who falls behind again',
    async () => {
      // Ben attends every session: his case closes when his attendance is back in the top band.
      // The team approves what is proposed each day.
      while ((await h.view('ben')).status !== 'closed') {
        if (h.today() >= FALLS_AGAIN) throw new Error(`Ben's case was still open on ${h.today()}`);
        await h.approveAll();
        await h.doTasks();
        await h.advanceSchoolDays(1);
      }
      const closed = await h.view('ben');
      expect(closed.timeline.at(-1)).toMatchObject({ type: 'closed' });

      // A week away from school: by the second day his attendance is below 96%, and that evening's
      // sweep opens a new case ("dropping towards 95%").
      let reopenedOn: string | null = null;
      while (reopenedOn === null && h.today() < '2026-02-13') {
        await h.approveAll();
        await h.doTasks();
        await h.advanceSchoolDays(1);
        if ((await h.caseIdOf('ben')) !== closed.caseId) reopenedOn = h.today();
      }
      expect(reopenedOn, 'a new case for Ben by 13 February').toBe('2026-02-03');
      const reopened = await h.view('ben');
      expect(reopened.caseId).toBe(closed.caseId.replace(/\d{8}$/, reopenedOn!.replaceAll('-', '')));
      expect(reopened.timeline[0]).toMatchObject({
        type: 'opened',
        date: reopenedOn,
        stageId: 'early-reminder',
      });
      // The closed case stays closed, with its own record.
      const { rows } = await h.db.query<{ case_id: string; status: string }>(
        `SELECT case_id, status FROM cases WHERE pupil_id = $1 ORDER BY opened_on`,
        [h.pupilIds.get('ben')],
      );
      expect(rows).toEqual([
        { case_id: closed.caseId, status: 'closed' },
        { case_id: reopened.caseId, status: 'open' },
      ]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
