// Amira's case record (the read model the case pages, lists and dashboards are built from) never goes
// back to an older state: an update of the case that arrives late, after a newer one, is ignored,
// and her timeline keeps every event once. On every engine; the race also on a PostgreSQL server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCaseRow, projectCase, recordSweepCheck, type ProjectCaseInput } from '../../store/cases';
import { openDb, type Db } from '../../store/db';
import { loadMigrations, migrate } from '../../store/migrate';
import type { CaseView, PendingProposal, TimelineEvent } from '../../workflows/caseMessages';
import { availableEngines } from './engines';
import { SCHOOL } from './fixtures';
import { RACE_POOL_SIZE, startTogether } from './together';

const PUPIL = '6b1f0c2e-3d4a-4e5b-8c6d-7e8f9a0b1c2d';
const CASE_ID = `case-${SCHOOL}-${PUPIL}-20240916`;

const LETTER: PendingProposal = {
  proposalId: 'p-letter-1',
  approver: 'team',
  proposedAt: '2024-09-16T16:30:01.000Z',
  proposedOn: '2024-09-16',
  step: {
    stageId: 'stage-one',
    stepId: 'school-letter-1',
    kind: 'letter',
    title: 'School letter 1',
    template: 'bradford/school-letter-1',
    channel: 'letter',
    approval: 'team',
    waitAfterSchoolDays: 10,
    reasons: [],
  },
};

/** What happens on Amira's case, in order: each projection carries the first n events. */
const STORY: TimelineEvent[] = [
  event('2024-09-16T16:30:00.000Z', 'opened', 'Case opened at Stage One'),
  event('2024-09-16T16:30:01.000Z', 'proposed', 'School letter 1 proposed'),
  event('2024-09-17T09:12:00.000Z', 'approved', 'School letter 1 approved'),
  event('2024-09-17T09:12:05.000Z', 'letterSent', 'School letter 1 sent to Sara Khan'),
  event('2024-09-23T16:30:00.000Z', 'check', 'Weekly check: attendance 91.5%'),
];

function event(at: string, type: TimelineEvent['type'], text: string): TimelineEvent {
  return { at, date: at.slice(0, 10), type, stageId: 'stage-one', text };
}

/** The case as it stood after the first `events` events of the story. */
function amirasCase(events: number, attendancePct = 91.5): CaseView {
  const timeline = STORY.slice(0, events);
  const pending = timeline.at(-1)?.type === 'proposed' ? [LETTER] : [];
  return {
    caseId: CASE_ID,
    schoolId: SCHOOL,
    pupilId: PUPIL,
    policyId: 'bradford-staged-intervention',
    policyVersion: '1',
    status: 'open',
    stageId: 'stage-one',
    stageName: 'Stage One (advisory)',
    openedOn: '2024-09-16',
    today: timeline.at(-1)!.date,
    monitoringUntil: null,
    pending,
    next: { on: '2024-09-23', action: 'check the figures (Stage One)', reasons: [] },
    latestFacts: { asOf: '2024-09-16', attendancePct, unauthorised: 4, unexplained: 0, lates: 1 },
    timeline,
    caseState: {
      stageId: 'stage-one',
      stageEnteredOn: '2024-09-16',
      baseline: null,
      completedSteps: [],
      monitoringUntil: null,
      outcomes: [],
      highestStageId: 'stage-one',
    },
  };
}

function update(view: CaseView, version?: number): ProjectCaseInput {
  return {
    view,
    searchable: {
      stageRank: 2,
      pendingApprovals: view.pending.length,
      oldestPendingAt: view.pending[0]?.proposedAt ?? null,
      nextActionOn: view.next.on,
    },
    ...(version === undefined ? {} : { version }),
  };
}

/** What the record holds: the case's row and its events, in the words a page would show. */
async function record(db: Db) {
  const row = await getCaseRow(db, CASE_ID);
  const { rows: events } = await db.query<{ seq: number; type: string; text: string }>(
    'SELECT seq, type, text FROM case_events WHERE case_id = $1 ORDER BY seq',
    [CASE_ID],
  );
  return {
    timeline: row?.view.timeline.map((e) => e.type),
    waiting: row?.pendingApprovals,
    attendancePct: row?.attendancePct,
    events: events.map((e) => `${e.seq} ${e.type}`),
  };
}

/** The record once the first `n` events of the story are on it. */
function recordAfter(n: number, attendancePct = 91.5) {
  return {
    timeline: STORY.slice(0, n).map((e) => e.type),
    waiting: STORY[n - 1]!.type === 'proposed' ? 1 : 0,
    attendancePct,
    events: STORY.slice(0, n).map((e, i) => `${i} ${e.type}`),
  };
}

describe.each(availableEngines())('a case record on $name', (engine) => {
  let db: Db;
  beforeAll(async () => {
    db = await engine.open({ poolSize: RACE_POOL_SIZE });
  });
  afterAll(async () => {
    await engine.dispose(db);
  });
  beforeEach(async () => {
    await db.query('TRUNCATE cases, case_events');
  });

  describe('a case on the current engine (its updates carry no number)', () => {
    it('keeps the letter sent on Tuesday when Monday’s update arrives late', async () => {
      expect(await projectCase(db, update(amirasCase(4)))).toEqual({ written: true });
      // Monday's update (the letter only proposed, waiting for the team) lands after Tuesday's.
      expect(await projectCase(db, update(amirasCase(2)))).toEqual({ written: false });
      expect(await record(db)).toEqual(recordAfter(4));
    });

    it('takes new figures that add no line to the timeline', async () => {
      await projectCase(db, update(amirasCase(4)));
      expect(await projectCase(db, update(amirasCase(4, 92.1)))).toEqual({ written: true });
      expect(await record(db)).toEqual(recordAfter(4, 92.1));
    });

    it('adds only the events the record did not have', async () => {
      await projectCase(db, update(amirasCase(2)));
      await projectCase(db, update(amirasCase(5)));
      expect(await record(db)).toEqual(recordAfter(5));
    });
  });

  describe('a case on the new engine (each update numbered)', () => {
    it('never lets an older number replace a newer one, even with the same timeline', async () => {
      expect(await projectCase(db, update(amirasCase(4, 92.1), 12))).toEqual({ written: true });
      // Update 11 had the same events but the figures before Tuesday's: it is older.
      expect(await projectCase(db, update(amirasCase(4, 91.5), 11))).toEqual({ written: false });
      // Update 12 again (an activity retried after a slow attempt) changes nothing either.
      expect(await projectCase(db, update(amirasCase(2), 12))).toEqual({ written: false });
      expect(await record(db)).toEqual(recordAfter(4, 92.1));

      expect(await projectCase(db, update(amirasCase(5, 92.1), 13))).toEqual({ written: true });
      expect(await record(db)).toEqual(recordAfter(5, 92.1));
    });

    it('keeps the evening sweep’s newer figures when a person wakes the sleeping case', async () => {
      await projectCase(db, update(amirasCase(4), 12));
      // Friday evening the sweep judges her figures (93.0% now) and leaves the case asleep.
      const swept = await recordSweepCheck(db, {
        caseId: CASE_ID,
        version: 12,
        on: '2024-09-20',
        latestFacts: { asOf: '2024-09-20', attendancePct: 93, unauthorised: 4, unexplained: 0, lates: 1 },
        nextOn: '2024-09-30',
        reasons: [],
      });
      expect(swept).toBe(true);
      // Monday the officer records the weekly check on the case, which still holds Monday's figures.
      expect(await projectCase(db, update(amirasCase(5, 91.5), 13))).toEqual({ written: true });
      expect(await record(db)).toEqual(recordAfter(5, 93));
      const row = await getCaseRow(db, CASE_ID);
      expect(row?.view.latestFacts?.asOf).toBe('2024-09-20');
      expect(row?.view.sweptOn).toBe('2024-09-20');
      expect(row?.view.next.on).toBe('2024-09-23'); // what the case itself will do next stays its own

      // Figures newer than the sweep's, from the case itself, replace them as before.
      const later = amirasCase(5, 94.2);
      later.latestFacts = { ...later.latestFacts!, asOf: '2024-09-24' };
      await projectCase(db, update(later, 14));
      expect((await record(db)).attendancePct).toBe(94.2);
    });

    it('keeps the older events when an update with an older timeline is refused', async () => {
      await projectCase(db, update(amirasCase(4), 20));
      await projectCase(db, update(amirasCase(1), 3));
      expect(await record(db)).toEqual(recordAfter(4));
    });
  });

  it.each([
    { engineOfCase: 'the new engine', numbered: true },
    { engineOfCase: 'the current engine', numbered: false },
  ])(
    'five updates of one case ($engineOfCase) arriving at once leave the newest, each event once',
    async ({ numbered }) => {
      // Newest first: without the version check the oldest, written last, would win.
      const updates = [5, 4, 3, 2, 1].map((n) => update(amirasCase(n), numbered ? 100 + n : undefined));
      const written = await startTogether(
        db,
        // Every update needs to write to the cases table first; the gate holds it until all wait.
        { what: 'the cases table', hold: (tx) => tx.query('LOCK TABLE cases IN SHARE MODE') },
        updates.map((u) => () => projectCase(db, u)),
      );
      expect(written.filter((w) => w.written).length).toBeGreaterThanOrEqual(1);
      expect(await record(db)).toEqual(recordAfter(5));
    },
  );
});

describe('a store upgraded with cases already on record', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb({ inMemory: true, migrate: false });
    await migrate(
      db,
      loadMigrations().filter((m) => m.id < '0032'),
    );
  });
  afterAll(async () => {
    await db?.close();
  });

  it('keeps a case projected before the upgrade against a late, older update', async () => {
    // Projected by the code before versions: the row and its events, as that code wrote them.
    const view = amirasCase(4);
    await db.query(
      `INSERT INTO cases (case_id, school_id, pupil_id, policy_id, policy_version, status, stage_id, stage_name,
         stage_rank, opened_on, pending_approvals, next_action_on, next_action, attendance_pct, view)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,2,$9,0,$10,$11,$12,$13::text::jsonb)`,
      [
        view.caseId,
        view.schoolId,
        view.pupilId,
        view.policyId,
        view.policyVersion,
        view.status,
        view.stageId,
        view.stageName,
        view.openedOn,
        view.next.on,
        view.next.action,
        view.latestFacts!.attendancePct,
        JSON.stringify(view),
      ],
    );
    for (const [seq, e] of view.timeline.entries()) {
      await db.query(
        `INSERT INTO case_events (case_id, seq, school_id, at, date, type, stage_id, text) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
        [view.caseId, seq, view.schoolId, e.at, e.date, e.type, e.stageId, e.text],
      );
    }
    expect(await migrate(db)).toContain('0032_case_projection_version');

    expect(await projectCase(db, update(amirasCase(2)))).toEqual({ written: false });
    expect(await record(db)).toEqual(recordAfter(4));
  });
});
