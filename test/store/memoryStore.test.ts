// The what-if's store held in memory (store/memory/memoryStore.ts) answers every store function a
// case calls as PostgreSQL does. The same story is told to both: a school copied in, Amira's case
// projected (an update arriving late, the evening sweep's check, her case closed), letters, the
// outbox, meetings and staff tasks; after each step both stores must give the same answers. Only
// what a database makes for itself (row ids, the wall-clock times it stamps) is set aside.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticSchoolFiles } from '../../api/demo/synthetic';
import {
  completeStaffTask,
  claimOutbox,
  getLetter,
  getLetterPdf,
  getOutboxByKey,
  getStaffTask,
  insertLetter,
  insertMeeting,
  insertOutbox,
  insertStaffTask,
  listBusyMeetings,
  listLettersForCase,
  listMeetingsForCase,
  listOutbox,
  listStaffTasks,
  listUnsentOutboxKeys,
  markOutboxHeld,
  markOutboxSent,
  seedDefaultAvailability,
  listAvailability,
  setMeetingStatus,
  type NewLetter,
} from '../../store/caseServices';
import {
  activeCasesForSweep,
  getCaseRow,
  latestClosedCaseStates,
  listAllCases,
  listCasesAwaitingApproval,
  listOpenCaseTasks,
  projectCase,
  recordSweepCheck,
  type ProjectCaseInput,
} from '../../store/cases';
import { memoryDb, openDb, type Db } from '../../store/db';
import { parseMarksCsv, parseRosterCsv, runImport } from '../../store/imports';
import { loadMarkGrid, loadSchoolSnapshot } from '../../store/marks';
import { MemoryStore } from '../../store/memory/memoryStore';
import { getPupil, listPupils } from '../../store/pupils';
import { getSchool } from '../../store/schools';
import { snapshotSchool } from '../../scripts/simulation/runSimulation';
import type { CaseView } from '../../workflows/caseMessages';

const SCHOOL = '100777';

/** What a database stamps for itself, set aside: the answers must agree on everything else. */
function same(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value ?? null, (key, v: unknown) =>
      (['createdAt', 'updatedAt', 'sentAt', 'completedAt'].includes(key) && typeof v === 'string') ||
      (key === 'id' && typeof v === 'string' && /^\d+$/.test(v)) // an outbox row's serial number
        ? '(stamped)'
        : v instanceof Map
          ? Object.fromEntries(v)
          : v,
    ),
  );
}

let pg: Db;
let mem: Db;
let pupilId: string;
let caseId: string;

/** Runs the same call on both stores and expects the same answer; returns it. */
async function both<T>(call: (db: Db) => Promise<T>): Promise<T> {
  const a = await call(pg);
  const b = await call(mem);
  expect(same(b)).toEqual(same(a));
  return a;
}

function amirasCase(events: number, o: { status?: CaseView['status']; asOf?: string; pct?: number } = {}) {
  const types = ['opened', 'proposed', 'approved', 'letterSent', 'check'] as const;
  const timeline = types.slice(0, events).map((type, i) => ({
    at: `2025-01-${String(6 + i).padStart(2, '0')}T16:30:00.000Z`,
    date: `2025-01-${String(6 + i).padStart(2, '0')}`,
    type,
    stageId: 'stage-one',
    text: `${type} on day ${i + 1}`,
  }));
  const view: CaseView = {
    caseId,
    schoolId: SCHOOL,
    pupilId,
    policyId: 'bradford-staged-intervention',
    policyVersion: '1',
    status: o.status ?? 'open',
    stageId: 'stage-one',
    stageName: 'Stage One (advisory)',
    openedOn: '2025-01-06',
    today: timeline.at(-1)!.date,
    monitoringUntil: null,
    pending: [],
    next: { on: '2025-01-20', action: 'check the figures (Stage One)', reasons: [] },
    latestFacts: {
      asOf: o.asOf ?? timeline.at(-1)!.date,
      attendancePct: o.pct ?? 91.456,
      unauthorised: 4,
      unexplained: 0,
      lates: 1,
    },
    timeline,
    caseState: {
      stageId: 'stage-one',
      stageEnteredOn: '2025-01-06',
      baseline: null,
      completedSteps: [],
      monitoringUntil: null,
      outcomes: [],
      highestStageId: 'stage-one',
    },
    sweepChecks: true,
    tasks: [
      {
        taskId: 't-call',
        stageId: 'stage-one',
        stepId: 'phone-call',
        kind: 'call',
        title: 'Call the family',
        dueOn: '2025-01-09',
        createdOn: '2025-01-07',
        owner: 'team',
        purpose: 'step',
        outcomes: [],
        status: events >= 4 ? 'done' : 'open',
      },
    ],
  };
  return view;
}

const project = (view: CaseView, version: number): ProjectCaseInput => ({
  view,
  searchable: { stageRank: 1, pendingApprovals: 0, oldestPendingAt: null, nextActionOn: view.next.on },
  version,
});

describe('the store in memory answers as PostgreSQL does', () => {
  beforeAll(async () => {
    pg = await openDb({ inMemory: true });
    const files = syntheticSchoolFiles({ school: SCHOOL, pupils: 12, until: '2025-01-24' });
    await runImport(pg, {
      schoolId: SCHOOL,
      calendar: files.calendar,
      roster: await parseRosterCsv(files.rosterCsv),
      marks: await parseMarksCsv(files.marksCsv),
    });
    const store = new MemoryStore();
    store.loadSchool(await snapshotSchool(pg, SCHOOL));
    mem = memoryDb(store);
    pupilId = (await listPupils(pg, SCHOOL))[3]!.id;
    caseId = `case-${SCHOOL}-${pupilId}-20250106`;
  });
  afterAll(async () => {
    await pg.close();
  });

  it('holds the school as imported: its calendar, pupils in name order, and their marks', async () => {
    await both((db) => getSchool(db, SCHOOL));
    expect((await both((db) => listPupils(db, SCHOOL))).length).toBe(12);
    await both((db) => getPupil(db, pupilId));
    await both(async (db) => (await loadMarkGrid(db, pupilId)).toBlobs());
    await both(async (db) => {
      const s = await loadSchoolSnapshot(db, SCHOOL);
      return { pupils: s?.pupils.map((p) => p.upn), days: s?.calendar.index.iso.length };
    });
  });

  it('keeps Amira’s newest record, the sweep’s newer figures, and her closed case’s state', async () => {
    expect(await both((db) => projectCase(db, project(amirasCase(3), 12)))).toEqual({ written: true });
    // An update that arrives late changes nothing.
    expect(await both((db) => projectCase(db, project(amirasCase(2), 11)))).toEqual({ written: false });
    await both((db) => listOpenCaseTasks(db, [SCHOOL]));
    await both((db) => activeCasesForSweep(db, SCHOOL));
    // Friday evening the sweep checks her figures and leaves the case asleep.
    const check = {
      caseId,
      version: 12,
      on: '2025-01-10',
      latestFacts: { asOf: '2025-01-10', attendancePct: 93.005, unauthorised: 4, unexplained: 0, lates: 1 },
      nextOn: '2025-01-27',
      reasons: [{ rule: 'stage-one.monitor', text: 'monitoring to 27 January' }],
    };
    expect(await both((db) => recordSweepCheck(db, check))).toBe(true);
    expect(await both((db) => recordSweepCheck(db, { ...check, version: 11 }))).toBe(false);
    // A person wakes the case, which still holds Wednesday's figures: the sweep's stay.
    await both((db) => projectCase(db, project(amirasCase(4, { asOf: '2025-01-08', pct: 90 }), 13)));
    const row = await both((db) => getCaseRow(db, caseId));
    expect(row?.view.latestFacts?.attendancePct).toBe(93.005);
    expect(row?.attendancePct).toBe(93.01);
    await both((db) => listCasesAwaitingApproval(db, [SCHOOL]));
    await both((db) => listOpenCaseTasks(db, null));
    await both((db) => projectCase(db, project(amirasCase(5, { status: 'closed' }), 14)));
    await both((db) => latestClosedCaseStates(db, SCHOOL));
    await both((db) => activeCasesForSweep(db, SCHOOL));
    await both((db) => listAllCases(db));
  });

  it('stores a letter once, with its printed copy, and lists the case’s letters in order', async () => {
    const letter = (id: string, sentOn: string): NewLetter => ({
      id,
      caseId,
      schoolId: SCHOOL,
      pupilId,
      stageId: 'stage-one',
      stepId: 'letter-1',
      templateId: 'bradford/school-letter-1',
      requestedTemplateId: 'bradford/school-letter-1',
      channel: 'letter',
      subject: 'Amira’s attendance',
      bodyText: 'Dear Ms Khan, ...',
      html: '<p>Dear Ms Khan, ...</p>',
      amended: false,
      sentOn,
      recipients: [
        { contactIndex: 0, name: 'Sara Khan', channel: 'email', address: 's@example.org', outboxKey: 'k1' },
      ],
      pdf: Buffer.from('%PDF-1.4 letter'),
    });
    expect(
      await both((db) => insertLetter(db, letter('1c0a6f4e-0000-4000-8000-000000000002', '2025-01-09'))),
    ).toBe(true);
    expect(
      await both((db) => insertLetter(db, letter('1c0a6f4e-0000-4000-8000-000000000001', '2025-01-07'))),
    ).toBe(true);
    expect(
      await both((db) => insertLetter(db, letter('1c0a6f4e-0000-4000-8000-000000000001', '2025-01-07'))),
    ).toBe(false);
    await both((db) => getLetter(db, '1c0a6f4e-0000-4000-8000-000000000001'));
    await both(async (db) => (await getLetterPdf(db, '1c0a6f4e-0000-4000-8000-000000000001'))?.toString());
    const listed = await both((db) => listLettersForCase(db, caseId));
    expect(listed.map((l) => l.sentOn)).toEqual(['2025-01-07', '2025-01-09']);
  });

  it('sends an outbox message once: a second write finds the first, a sent one cannot be claimed', async () => {
    const msg = {
      idempotencyKey: 'send-1:0',
      schoolId: SCHOOL,
      caseId,
      channel: 'email' as const,
      to: 's@example.org',
      subject: 'Attendance',
      text: 'Dear Ms Khan',
    };
    expect((await both((db) => insertOutbox(db, msg))).inserted).toBe(true);
    expect((await both((db) => insertOutbox(db, { ...msg, text: 'changed' }))).row.text).toBe('Dear Ms Khan');
    await both((db) => insertOutbox(db, { ...msg, idempotencyKey: 'send-1:1', to: null }));
    expect(await both((db) => claimOutbox(db, 'send-1:0', 120))).toBe(true);
    expect(await both((db) => claimOutbox(db, 'send-1:0', 120))).toBe(false);
    await both((db) => markOutboxSent(db, 'send-1:0'));
    await both((db) => markOutboxHeld(db, 'send-1:0', 'too late: it was sent'));
    await both((db) => markOutboxHeld(db, 'send-1:1', 'no email address'));
    await both((db) => getOutboxByKey(db, 'send-1:0'));
    await both((db) => listOutbox(db, SCHOOL, { caseId }));
    expect(await both((db) => listUnsentOutboxKeys(db, { schoolId: SCHOOL }))).toEqual(['send-1:1']);
  });

  it('books meetings in the officer’s free time: a cancelled one frees its slot', async () => {
    expect(await both((db) => seedDefaultAvailability(db, SCHOOL))).toBe(10);
    expect(await both((db) => seedDefaultAvailability(db, SCHOOL))).toBe(0);
    await both((db) => listAvailability(db, SCHOOL));
    const meeting = (id: string, startsAt: string, endsAt: string) => ({
      id,
      caseId,
      schoolId: SCHOOL,
      pupilId,
      stageId: 'stage-one',
      stepId: 'meeting',
      kind: 'meeting' as const,
      title: 'Attendance meeting',
      startsAt,
      endsAt,
      staffName: 'Attendance Officer',
      location: 'School',
    });
    await both((db) =>
      insertMeeting(
        db,
        meeting(
          '2c0a6f4e-0000-4000-8000-000000000001',
          '2025-01-13T09:00:00.000Z',
          '2025-01-13T09:30:00.000Z',
        ),
      ),
    );
    await both((db) =>
      insertMeeting(
        db,
        meeting(
          '2c0a6f4e-0000-4000-8000-000000000002',
          '2025-01-13T09:30:00.000Z',
          '2025-01-13T10:00:00.000Z',
        ),
      ),
    );
    const busy = (db: Db) =>
      listBusyMeetings(db, SCHOOL, new Date('2025-01-13T09:15:00Z'), new Date('2025-01-13T09:45:00Z'));
    expect((await both(busy)).length).toBe(2);
    await both((db) => setMeetingStatus(db, '2c0a6f4e-0000-4000-8000-000000000001', 'cancelled'));
    expect((await both(busy)).length).toBe(1);
    await both((db) => listMeetingsForCase(db, caseId));
  });

  it('records a task’s outcome once: a call with no answer keeps it open', async () => {
    const task = {
      id: 'task-1',
      caseId,
      schoolId: SCHOOL,
      pupilId,
      stageId: 'stage-one',
      stepId: 'phone-call',
      kind: 'call',
      title: 'Call the family',
      dueOn: '2025-01-09',
    };
    expect(await both((db) => insertStaffTask(db, task))).toBe(true);
    expect(await both((db) => insertStaffTask(db, task))).toBe(false);
    await both((db) => insertStaffTask(db, { ...task, id: 'task-0', dueOn: '2025-01-08' }));
    const noAnswer = await both((db) =>
      completeStaffTask(db, 'task-1', { outcome: 'noAnswer', by: 'officer', on: '2025-01-09', done: false }),
    );
    expect(noAnswer?.status).toBe('open');
    await both((db) =>
      completeStaffTask(db, 'task-1', { outcome: 'spoke', by: 'officer', on: '2025-01-10' }),
    );
    await both((db) => completeStaffTask(db, 'task-1', { outcome: 'again', by: 'someone else' }));
    await both((db) => getStaffTask(db, 'task-1'));
    expect((await both((db) => listStaffTasks(db, SCHOOL))).map((t) => t.id)).toEqual(['task-0', 'task-1']);
    await both((db) => listStaffTasks(db, SCHOOL, { status: 'open' }));
  });
});
