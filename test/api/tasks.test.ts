// Records tell the truth, through the API. The cases here are real: two schools are imported, the
// real sweep opens the cases on a real Temporal server (the dev server) with the real attendanceCase
// workflow and its activities, every payload sealed by the product's codec, as in
// decisions.test.ts.
// - A phone step, once approved, is a call for the team to make: it is in the worklist (overdue once
//   its day has passed), and done only when someone records that the call was made. An outcome the
//   task does not have is the case's 409; a task made for managers is a manager's (403 for an officer,
//   before the case is asked).
// - A letter written while no SMTP server was set is held, and says so; once SMTP is configured a
//   manager sends it from the outbox, it arrives, and the case records it as sent from the outbox.
// - A calendar import tells the school's open cases: one paused at the end of the old calendar carries on.
import { eventually as waitFor } from '../support/eventually';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { TaskListAnswer, TaskListItem } from '../../api/routes/tasks';
import type { MyWorkAnswer } from '../../api/routes/myWork';
import type { OutboxAnswer } from '../../api/routes/letters';
import { buildCalendar } from '../../domain/calendar';
import type { IsoDate, SchoolCalendarFile } from '../../domain/types';
import { loadPolicyFile } from '../../policies';
import { openDb, type Db } from '../../store/db';
import { rowsFromObjects, runImport } from '../../store/imports';
import { upnCheckLetter } from '../../store/validate';
import { EncryptionCodec } from '../../temporal/encryptionCodec';
import { actorSigningInterceptor } from '../../temporal/actorClaims';
import { signingClient, testActorKeys } from '../support/actorKeys';
import { buildActivities } from '../../worker/activityDeps';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import type { CaseTask, CaseView } from '../../workflows/caseMessages';
import { startTestSmtp, type TestSmtp } from '../support/smtp';
import { startDevServer } from '../support/temporal';
import { CALENDAR, SCHOOL_ID } from '../workflows/harness';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';

/** A Friday: the rolling ten school weeks before it hold exactly 100 sessions. */
const START: IsoDate = '2026-03-20';
/** Noon on a school day, as the API's clock. */
const noonOn = (day: IsoDate) => () => Date.parse(`${day}T12:00:00Z`);
const TASK_QUEUE = `api-tasks-${randomUUID()}`;
/** Bound for waiting on the cases (they answer in well under a second on an idle machine). */
const WAIT_MS = 90_000;

/** A second school whose calendar ends a week after START, at the end of the spring term. */
const LATE_SCHOOL = '300003';
const SHORT_CALENDAR: SchoolCalendarFile = {
  ...CALENDAR,
  school: LATE_SCHOOL,
  name: 'Lark Rise Primary',
  terms: CALENDAR.terms.slice(0, 2),
};
/** The same school's calendar with the summer term added. */
const LONGER_CALENDAR: SchoolCalendarFile = { ...SHORT_CALENDAR, terms: CALENDAR.terms };

const calendar = buildCalendar(CALENDAR);
const SCHOOL_DAYS = calendar.schoolDaysBetween(calendar.firstSchoolDay, START);
type Mark = (dayIndex: number, session: 'AM' | 'PM') => boolean;
/** About 93% over the ten weeks: Stage One, whose first step is to ring the parents. */
const missesEverySeventhMorning: Mark = (i, s) => i % 7 === 0 && s === 'AM';
/** 86% (14 unauthorised sessions): Stage Two, Warning Letter 1 for the team. */
const missesOneSessionInSeven: Mark = (i, s) => (i % 7 === 0 && s === 'AM') || (i % 7 === 3 && s === 'PM');

const PUPILS = {
  rio: {
    school: SCHOOL_ID,
    given: 'Rio',
    family: 'Dale',
    phone: '07700 900123',
    absent: missesEverySeventhMorning,
  },
  eve: { school: SCHOOL_ID, given: 'Eve', family: 'Hart', phone: '', absent: missesOneSessionInSeven },
  ida: { school: LATE_SCHOOL, given: 'Ida', family: 'West', phone: '', absent: missesOneSessionInSeven },
};
type PupilKey = keyof typeof PUPILS;
const KEYS = Object.keys(PUPILS) as PupilKey[];

function upnFor(i: number): string {
  const digits = `8202005${String(i).padStart(5, '0')}`;
  return upnCheckLetter(digits) + digits;
}

let env: TestWorkflowEnvironment;
let client: Client;
/** The API's own client: the same server and codec, and it counts what the API asks of each case. */
let apiClient: Client;
const asked = new Map<string, number>();
const countAsking = (id: string) => asked.set(id, (asked.get(id) ?? 0) + 1);
const countCalls: WorkflowClientInterceptor = {
  async query(input, next) {
    countAsking(input.workflowExecution.workflowId);
    return next(input);
  },
  async startUpdate(input, next) {
    countAsking(input.workflowExecution.workflowId);
    return next(input);
  },
  async signal(input, next) {
    countAsking(input.workflowExecution.workflowId);
    return next(input);
  },
};
/** How many queries, Updates and signals the API has sent this case. */
const askedOf = (caseId: string) => asked.get(caseId) ?? 0;
let db: Db;
let worker: Worker;
let running: Promise<void>;
let t: TestApp;
let officerUser: Awaited<ReturnType<typeof makeUser>>;
let managerUser: Awaited<ReturnType<typeof makeUser>>;
let officer: Agent;
let manager: Agent;
const cases = {} as Record<PupilKey, string>;

interface ApprovalItem {
  caseId: string;
  proposalId: string;
  step: { stepId: string };
}

const eventually = <T>(what: string, read: () => Promise<T>, holds: (v: T) => boolean) =>
  waitFor(what, read, holds, { timeoutMs: WAIT_MS, intervalMs: 100 });

async function readModel(key: PupilKey): Promise<{ status: string; view: CaseView }> {
  const { rows } = await db.query<{ status: string; view: CaseView }>(
    'SELECT status, view FROM cases WHERE case_id = $1',
    [cases[key]],
  );
  return rows[0]!;
}

/** The case's task for this step, once the read model has it in this state. */
async function taskOf(key: PupilKey, stepId: string, holds: (t: CaseTask) => boolean): Promise<CaseTask> {
  const row = await eventually(
    `${PUPILS[key].given}'s task for "${stepId}" in the read model`,
    () => readModel(key),
    (r) => r.view.tasks?.some((x) => x.stepId === stepId && holds(x)) ?? false,
  );
  return row.view.tasks!.find((x) => x.stepId === stepId && holds(x))!;
}

/** The step waiting on this pupil's case, once the case has proposed it. */
async function proposalFor(key: PupilKey, stepId: string): Promise<ApprovalItem> {
  const items = await eventually(
    `${PUPILS[key].given}'s case to propose "${stepId}" on the approvals page`,
    async () => (await officer.get('/api/approvals')).json<{ items: ApprovalItem[] }>().items,
    (list) => list.some((i) => i.caseId === cases[key] && i.step.stepId === stepId),
  );
  return items.find((i) => i.caseId === cases[key] && i.step.stepId === stepId)!;
}

async function worklist(agent: Agent, query = ''): Promise<TaskListAnswer> {
  const res = await agent.get(`/api/tasks${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function auditOf(targetId: string, prefix: string) {
  const { rows } = await db.query<{ action: string; details: Record<string, unknown> }>(
    `SELECT action, details FROM audit_log WHERE target_id = $1 AND action LIKE $2 ORDER BY id`,
    [targetId, `${prefix}%`],
  );
  return rows;
}

async function importSchool(school: string, cal: SchoolCalendarFile, keys: PupilKey[]): Promise<void> {
  const index = (key: PupilKey) => KEYS.indexOf(key) + 1;
  await runImport(db, {
    schoolId: school,
    calendar: cal,
    roster: rowsFromObjects(
      keys.map((key) => ({
        upn: upnFor(index(key)),
        given_name: PUPILS[key].given,
        family_name: PUPILS[key].family,
        year_group: '5',
        date_of_birth: '2015-05-01',
        contact1_name: `Parent ${PUPILS[key].family}`,
        contact1_email: `parent.${key}@example.org`,
        contact1_phone: PUPILS[key].phone,
        contact2_name: '',
        contact2_email: '',
        contact2_phone: '',
        flags: '',
      })),
    ),
    marks: rowsFromObjects(
      keys.flatMap((key) =>
        SCHOOL_DAYS.flatMap((date, day) =>
          (['AM', 'PM'] as const).map((session) => ({
            upn: upnFor(index(key)),
            date,
            session,
            code: PUPILS[key].absent(day, session) ? 'O' : session === 'AM' ? '/' : '\\',
          })),
        ),
      ),
    ),
  });
}

beforeAll(async () => {
  env = await startDevServer();
  db = await openDb({ inMemory: true });
  await importSchool(SCHOOL_ID, CALENDAR, ['rio', 'eve']);
  await importSchool(LATE_SCHOOL, SHORT_CALENDAR, ['ida']);

  const codec = new EncryptionCodec(randomBytes(32));
  client = signingClient({ connection: env.connection, dataConverter: { payloadCodecs: [codec] } });
  apiClient = new Client({
    connection: env.connection,
    dataConverter: { payloadCodecs: [codec] },
    interceptors: { workflow: [countCalls, actorSigningInterceptor(testActorKeys)] },
  });
  const policy = loadPolicyFile('bradford-staged-intervention');
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    dataConverter: { payloadCodecs: [codec] },
    activities: buildActivities({
      db,
      temporal: client,
      taskQueue: TASK_QUEUE,
      actorKeys: testActorKeys,
      caseSettings: {
        timeZone: 'Europe/London',
        checkTime: '16:30',
        remindAfterSchoolDays: 2,
        escalateAfterSchoolDays: 3,
        searchAttributes: true,
        // The cases live on the school day START, at real speed from now: no timer of theirs falls
        // due while the tests run.
        simulation: { realStartMs: Date.now(), simStart: START },
      },
      policyForSchool: async () => policy,
      smtpUrl: undefined, // letters wait in the outbox: no SMTP server is configured
      mailFrom: 'attendance@school.invalid',
    }),
  });
  running = worker.run();
  // The API's today is START too (its clock decides what is overdue).
  t = await makeTestApp({
    temporal: apiClient,
    taskQueue: TASK_QUEUE,
    db,
    caseQueryTimeoutMs: 20_000,
    now: noonOn(START),
  });
  officerUser = await makeUser(db, 'officer', [SCHOOL_ID, LATE_SCHOOL]);
  managerUser = await makeUser(db, 'manager', [SCHOOL_ID, LATE_SCHOOL]);
  officer = await signIn(t.app, officerUser.email);
  manager = await signIn(t.app, managerUser.email);

  for (const school of [SCHOOL_ID, LATE_SCHOOL]) {
    await client.workflow.execute('schoolSweep', {
      taskQueue: TASK_QUEUE,
      workflowId: `sweep-${randomUUID()}`,
      args: [{ schoolId: school, asOf: START }],
    });
  }
  const opened = await eventually(
    'the three cases in the read model: two with a step waiting, one paused at the end of its calendar',
    async () =>
      (
        await db.query<{ case_id: string; upn: string; status: string; pending_approvals: number }>(
          `SELECT c.case_id, p.upn, c.status, c.pending_approvals FROM cases c JOIN pupils p ON p.id = c.pupil_id`,
        )
      ).rows,
    (rows) =>
      rows.filter((r) => r.pending_approvals > 0).length === 2 &&
      rows.filter((r) => r.status === 'paused').length === 1,
  );
  for (const [i, key] of KEYS.entries()) cases[key] = opened.find((r) => r.upn === upnFor(i + 1))!.case_id;
}, 240_000);

afterAll(async () => {
  await t?.close();
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => undefined);
  await db?.close();
  await env?.teardown();
});

describe('tasks for people', { timeout: 2 * WAIT_MS }, () => {
  let call: CaseTask;

  it('approving a phone step (as previewed) gives the team a call to make, in the worklist', async () => {
    const step = await proposalFor('rio', 'make-parents-aware');
    const url = `/api/approvals/${cases.rio}/${step.proposalId}`;
    const preview = (await officer.get(`${url}/preview`)).json();
    expect(preview.preview).toMatchObject({ kind: 'call', recipients: [] });
    expect(preview.preview.text).toContain('To call: Parent Dale, 07700 900123');
    const approved = await officer.post(`${url}/decision`, {
      decision: 'approve',
      planHash: preview.preview.planHash,
    });
    expect(approved.statusCode, approved.body).toBe(200);

    call = await taskOf('rio', 'make-parents-aware', (x) => x.status === 'open');
    expect(call).toMatchObject({ kind: 'phoneCall', owner: officerUser.id, purpose: 'step' });
    const list = await worklist(officer);
    const item = list.items.find((i) => i.task.taskId === call.taskId);
    expect(item).toMatchObject({
      caseId: cases.rio,
      pupil: { givenName: 'Rio', familyName: 'Dale' },
      stageName: expect.stringMatching(/^Stage One/),
      overdue: false,
      ownerName: officerUser.displayName,
      mine: true,
      canComplete: true,
      task: {
        dueOn: calendar.addSchoolDays(START, 2),
        outcomes: [
          expect.objectContaining({ id: 'spoke', completesStep: true }),
          expect.objectContaining({ id: 'noAnswer', completesStep: false }),
        ],
        notes: expect.stringContaining('To call: Parent Dale: 07700 900123'),
      },
    });
    // Ida's case waits for next year's calendar, with a task for managers: not the officer's.
    expect(list.items.map((i) => [i.pupil.givenName, i.task.kind, i.mine, i.canComplete])).toEqual([
      ['Rio', 'phoneCall', true, true],
      ['Ida', 'calendar', false, false],
    ]);
    expect((await worklist(officer, '?mine=true')).items.map((i) => i.pupil.givenName)).toEqual(['Rio']);
    // The call is the officer's who approved it; the calendar is for managers.
    expect((await worklist(manager, '?mine=true')).items.map((i) => i.pupil.givenName)).toEqual(['Ida']);
  });

  it('puts decisions and calls on My work with the pupil’s figures, safeguarding first for those who may see the flag, and a task given to a person is theirs', async () => {
    await proposalFor('eve', 'warning-letter-1');
    // Eve is on a child protection plan: managers see the flag (the school's default), officers do not.
    await db.query(`UPDATE pupils SET flags = '{cp}' WHERE given_name = 'Eve'`);
    try {
      const work = async (agent: Agent, query = '') => {
        const res = await agent.get(`/api/my-work${query}`);
        expect(res.statusCode, res.body).toBe(200);
        return res.json<MyWorkAnswer>();
      };
      const forManager = await work(manager);
      expect(forManager.items.map((i) => [i.type, i.pupil.givenName, i.safeguarding])).toEqual([
        ['approval', 'Eve', true],
        ['task', 'Rio', false],
        ['task', 'Ida', false],
      ]);
      const letter = forManager.items[0]!;
      expect(letter).toMatchObject({
        title: 'Warning Letter 1',
        pupil: { flags: ['cp'] },
        stageName: expect.stringMatching(/^Stage Two/),
        figures: { asOf: START, attendancePct: expect.any(Number) },
        canDecide: true,
      });
      expect(letter.figures!.attendancePct!).toBeLessThan(90);
      expect(forManager.counts).toMatchObject({ approvals: 1, tasks: 2, safeguarding: 1 });
      // The officer does not see the flag, so the order does not give it away either: by due date.
      const forOfficer = await work(officer);
      const eve = forOfficer.items.find((i) => i.pupil.givenName === 'Eve')!;
      expect(eve).toMatchObject({ safeguarding: false, pupil: { flags: [] } });
      expect(forOfficer.counts.safeguarding).toBe(0);
      const call = forOfficer.items.find((i) => i.type === 'task' && i.pupil.givenName === 'Rio')!;
      expect(call).toMatchObject({
        quickOutcome: { id: 'spoke', completesStep: true },
        assignee: null,
        canComplete: true,
      });
      // Filters: decisions only; the stage the call's case is at.
      expect((await work(officer, '?type=approval')).items.map((i) => i.pupil.givenName)).toEqual(['Eve']);
      const stageOne = forOfficer.stages.find((s) => s.name.startsWith('Stage One'))!;
      expect(
        (await work(officer, `?stageId=${encodeURIComponent(stageOne.id)}`)).items.map(
          (i) => i.pupil.givenName,
        ),
      ).toEqual(['Rio']);

      // The officer gives the call to the manager: it is the manager's now, and audited.
      const callTaskId = (call as { task: CaseTask }).task.taskId;
      expect(call.key).toBe(`task:${cases.rio}:${callTaskId}`);
      const path = `/api/cases/${cases.rio}/tasks/${encodeURIComponent(callTaskId)}/assignee`;
      expect(forOfficer.staff[SCHOOL_ID]!.map((s) => s.id)).toContain(managerUser.id);
      const given = await officer.put(path, { userId: managerUser.id });
      expect(given.statusCode, given.body).toBe(200);
      const mineNow = await work(manager, '?mine=true');
      expect(mineNow.items.find((i) => i.key === call.key)).toMatchObject({
        assignee: { userId: managerUser.id, name: managerUser.displayName },
      });
      expect((await work(officer, '?mine=true')).items.some((i) => i.key === call.key)).toBe(false);
      expect((await auditOf(cases.rio, 'task.assign')).map((a) => a.details)).toEqual([
        { taskId: callTaskId, assignee: managerUser.id },
      ]);
      // Not to someone outside the school, and back to the team.
      const stranger = await makeUser(db, 'officer', [LATE_SCHOOL]);
      expect((await officer.put(path, { userId: stranger.id })).statusCode).toBe(400);
      expect((await officer.put(path, { userId: null })).statusCode).toBe(200);
      expect((await work(officer, '?mine=true')).items.some((i) => i.key === call.key)).toBe(true);
    } finally {
      await db.query(`UPDATE pupils SET flags = '{}' WHERE given_name = 'Eve'`);
    }
  });

  it('flags a task overdue once its due day is before the school’s today', async () => {
    expect((await worklist(officer, '?overdue=true')).total).toBe(0);
    // Two school days after the call was due (Tuesday 24 March): Thursday 26 March.
    const later = await makeTestApp({
      temporal: apiClient,
      taskQueue: TASK_QUEUE,
      db,
      now: noonOn('2026-03-26'),
    });
    try {
      const agent = await signIn(later.app, officerUser.email);
      const all = await worklist(agent);
      expect(all).toMatchObject({ today: '2026-03-26', total: 2, overdue: 1 });
      const byPupil = (items: TaskListItem[]) => items.map((i) => [i.pupil.givenName, i.overdue]);
      // Overdue first; Ida's calendar task is due on the last day of the term, 27 March.
      expect(byPupil(all.items)).toEqual([
        ['Rio', true],
        ['Ida', false],
      ]);
      expect(byPupil((await worklist(agent, '?overdue=true')).items)).toEqual([['Rio', true]]);
      expect(byPupil((await worklist(agent, '?overdue=false')).items)).toEqual([['Ida', false]]);
      const paged = await worklist(agent, '?pageSize=1&page=2');
      expect(paged).toMatchObject({ total: 2, page: 2, pageSize: 1 });
      expect(byPupil(paged.items)).toEqual([['Ida', false]]);
    } finally {
      await later.close();
    }
  });

  it('refuses an outcome the task does not have: 409 with the case’s reason, nothing audited', async () => {
    const res = await officer.post(`/api/cases/${cases.rio}/tasks/${call.taskId}/outcome`, {
      outcome: 'visited',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('"visited" is not an outcome of this task (spoke, noAnswer)');
    expect(await auditOf(cases.rio, 'case.task.')).toEqual([]);
  });

  it('records a call with no answer as an attempt: the task stays open and in the worklist', async () => {
    const res = await officer.post(`/api/cases/${cases.rio}/tasks/${call.taskId}/outcome`, {
      outcome: 'noAnswer',
    });
    expect(res.statusCode, res.body).toBe(200);
    const row = await eventually(
      'the attempt on Rio’s timeline',
      () => readModel('rio'),
      (r) => r.view.timeline.some((e) => e.type === 'taskAttempt'),
    );
    expect(row.view.tasks!.find((x) => x.taskId === call.taskId)).toMatchObject({
      status: 'open',
      outcome: 'noAnswer',
    });
    expect((await worklist(officer)).items.map((i) => i.task.taskId)).toContain(call.taskId);
  });

  it('completes the call with a note: 200, audited without the note, done in the read model, gone from the worklist', async () => {
    const note = 'Spoke to Mr Dale: Rio has had tonsillitis, GP letter to follow';
    const res = await officer.post(`/api/cases/${cases.rio}/tasks/${call.taskId}/outcome`, {
      outcome: 'spoke',
      note,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ accepted: true, timelineIndex: expect.any(Number) });

    const audit = await auditOf(cases.rio, 'case.task.');
    expect(audit).toEqual([
      {
        action: 'case.task.noAnswer',
        details: expect.objectContaining({ taskId: call.taskId, withNote: false }),
      },
      {
        action: 'case.task.spoke',
        details: {
          taskId: call.taskId,
          kind: 'phoneCall',
          stepId: 'make-parents-aware',
          withNote: true,
        },
      },
    ]);
    expect(JSON.stringify(audit)).not.toMatch(/tonsillitis|Dale/);

    const done = await taskOf('rio', 'make-parents-aware', (x) => x.status === 'done');
    expect(done).toMatchObject({
      outcome: 'spoke',
      note,
      completedOn: START,
      completedBy: { userId: officerUser.id, role: 'officer' },
    });
    const { timeline } = (await readModel('rio')).view;
    const completed = timeline.findIndex((e) => e.type === 'taskCompleted' && e.ref === call.taskId);
    expect(timeline[completed]?.text).toBe(
      'Make parents aware and work with them to address missing marks: Spoke to a parent/carer — ' + note,
    );
    expect(completed).toBeLessThanOrEqual(res.json().timelineIndex);
    expect((await worklist(officer)).items.map((i) => i.task.taskId)).not.toContain(call.taskId);

    // The case's page shows who recorded it.
    const page = (await officer.get(`/api/cases/${cases.rio}`)).json();
    expect(page.case.tasks).toContainEqual(
      expect.objectContaining({ taskId: call.taskId, status: 'done', canComplete: false }),
    );
    expect(page.people[officerUser.id]).toBe(officerUser.displayName);

    const again = await officer.post(`/api/cases/${cases.rio}/tasks/${call.taskId}/outcome`, {
      outcome: 'spoke',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toBe('this task is already done');
  });

  it('keeps a task made for managers to managers: an officer gets 403, and the case is not asked', async () => {
    const [calendarTask] = (await readModel('ida')).view.tasks!;
    expect(calendarTask).toMatchObject({ owner: 'manager', purpose: 'calendar', status: 'open' });
    const before = askedOf(cases.ida);
    const res = await officer.post(`/api/cases/${cases.ida}/tasks/${calendarTask!.taskId}/outcome`, {
      outcome: 'imported',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('This task is for a manager.');
    expect(askedOf(cases.ida), 'queries, Updates and signals sent to Ida’s case').toBe(before);
    expect(await auditOf(cases.ida, 'case.task.')).toEqual([]);
  });

  it('answers bad bodies with 400 and a reason, and administrators with 403', async () => {
    const url = `/api/cases/${cases.rio}/tasks/${call.taskId}/outcome`;
    const bad = await officer.post(url, { outcome: 'spoke; DROP TABLE', on: 'tomorrow' });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .issues.map((i: { path: string }) => i.path)
        .sort(),
    ).toEqual(['body.on', 'body.outcome']);
    const admin = await signIn(t.app, (await makeUser(db, 'admin', [], { allSchools: true })).email);
    expect((await admin.post(url, { outcome: 'spoke' })).statusCode).toBe(403);
  });
});

describe('a calendar import', { timeout: 2 * WAIT_MS }, () => {
  it('tells nobody when the calendar is unchanged', async () => {
    const before = askedOf(cases.ida);
    const res = await manager.post('/api/imports?wait=true', {
      schoolId: LATE_SCHOOL,
      calendar: SHORT_CALENDAR,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().summary).toMatchObject({
      calendar: { status: 'unchanged' },
      casesNotified: 0,
      calendarNotice: 'The calendar is unchanged, so no case needed telling.',
    });
    expect(askedOf(cases.ida)).toBe(before);
  });

  it('tells the school’s open cases; the case waiting at the end of the old calendar carries on', async () => {
    const otherSchool = askedOf(cases.eve);
    const res = await manager.post('/api/imports?wait=true', {
      schoolId: LATE_SCHOOL,
      calendar: LONGER_CALENDAR,
    });
    expect(res.statusCode, res.body).toBe(201);
    const job = res.json();
    expect(job.summary).toMatchObject({ calendar: { status: 'changed' }, casesNotified: 1 });
    expect(job.summary.calendarNotice).toBeUndefined();
    expect(askedOf(cases.eve), 'signals to another school’s case').toBe(otherSchool);
    const [audit] = await auditOf(job.id, 'import.succeeded');
    expect(audit?.details).toMatchObject({ calendar: 'changed', casesNotified: 1 });

    const row = await eventually(
      'Ida’s case to carry on with the longer calendar',
      () => readModel('ida'),
      (r) => r.status === 'open' && r.view.timeline.some((e) => e.type === 'calendarResumed'),
    );
    expect(row.view.tasks!.find((x) => x.purpose === 'calendar')).toMatchObject({ status: 'done' });
  });
});

const AMENDED_WORDS = 'We would like to meet you to talk about Eve’s attendance.';
const AMENDED = `Dear family,\n\n${AMENDED_WORDS}`;

describe('held mail', { timeout: 2 * WAIT_MS }, () => {
  let smtp: TestSmtp;
  let mailing: TestApp;
  beforeAll(async () => {
    smtp = await startTestSmtp();
    // The same store and cases, with an SMTP server configured now.
    mailing = await makeTestApp({
      temporal: apiClient,
      taskQueue: TASK_QUEUE,
      db,
      env: { SMTP_URL: smtp.url, MAIL_FROM: 'Attendance <attendance@harbour.example>' },
      now: noonOn(START),
    });
  });
  afterAll(async () => {
    await mailing?.close();
    await smtp?.close();
  });

  it('amends a letter as previewed (with the preview’s planHash)', async () => {
    // The decision finds the step in the read model, the preview asked the case itself: the same
    // plan either way, so the amended letter is the one previewed.
    const letter = await proposalFor('eve', 'warning-letter-1');
    const url = `/api/approvals/${cases.eve}/${letter.proposalId}`;
    const preview = (await officer.post(`${url}/preview`, { amendedText: AMENDED })).json().preview;
    expect(preview).toMatchObject({
      kind: 'letter',
      amended: true,
      body: expect.stringContaining(AMENDED_WORDS),
    });
    const amended = await officer.post(`${url}/decision`, {
      decision: 'amend',
      amendedText: AMENDED,
      planHash: preview.planHash,
    });
    expect(amended.statusCode, amended.body).toBe(200);
    expect(amended.json()).toMatchObject({ status: 'amended' });
  });

  it('keeps a letter written with no SMTP server as held, not sent; sending it then is a 409 saying what to set', async () => {
    await eventually(
      'Eve’s letter to be held in the outbox',
      () => readModel('eve'),
      (r) => r.view.timeline.some((e) => e.type === 'letterHeld'),
    );
    const page = (await officer.get(`/api/cases/${cases.eve}`)).json();
    expect(page.letters).toEqual([
      expect.objectContaining({ delivery: { sent: 0, held: 1, queued: 0, failed: 0, toPost: 0 } }),
    ]);
    const outbox = (await manager.get(`/api/outbox?schoolId=${SCHOOL_ID}`)).json<OutboxAnswer>();
    expect(outbox).toMatchObject({ transport: 'none', canSendHeld: false, counts: { held: 1, sent: 0 } });

    const res = await manager.post('/api/outbox/send-held', { schoolId: SCHOOL_ID });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('No mail server is set up. Set SMTP_URL to send held mail.');
    expect((await officer.post('/api/outbox/send-held', { schoolId: SCHOOL_ID })).statusCode).toBe(403);
    const elsewhere = await signIn(t.app, (await makeUser(db, 'manager', [SCHOOL_ID])).email);
    const outside = await elsewhere.post('/api/outbox/send-held', { schoolId: LATE_SCHOOL });
    expect(outside.statusCode).toBe(404);
    expect(outside.json().error).toBe('No such school');
  });

  it('sends it once SMTP is configured: it arrives, and the case records it as sent from the outbox', async () => {
    const agent = await signIn(mailing.app, managerUser.email);
    const outbox = (await agent.get(`/api/outbox?schoolId=${SCHOOL_ID}`)).json<OutboxAnswer>();
    expect(outbox).toMatchObject({ transport: 'smtp', canSendHeld: true, counts: { held: 1 } });

    const res = await agent.post('/api/outbox/send-held', { schoolId: SCHOOL_ID });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ sent: 1, stillHeld: 0, failed: 0, casesTold: 1 });
    const [mail] = await smtp.waitFor(1);
    expect(mail!.to && !Array.isArray(mail!.to) ? mail!.to.value[0]?.address : null).toBe(
      'parent.eve@example.org',
    );
    expect(mail!.attachments.map((a) => a.contentType)).toEqual(['application/pdf']);
    expect(mail!.text).toContain(AMENDED_WORDS);

    const row = await eventually(
      'Eve’s case to record the letter as sent from the outbox',
      () => readModel('eve'),
      (r) => r.view.timeline.some((e) => e.type === 'deliveryCompleted'),
    );
    expect(row.view.timeline.find((e) => e.type === 'deliveryCompleted')).toMatchObject({
      text: expect.stringMatching(/sent from the outbox to 1 parent\/carer$/),
      actor: { userId: managerUser.id, role: 'manager' },
    });
    expect(await auditOf(SCHOOL_ID, 'outbox.send-held')).toEqual([
      { action: 'outbox.send-held', details: { sent: 1, stillHeld: 0, failed: 0, casesTold: 1 } },
    ]);
    const page = (await officer.get(`/api/cases/${cases.eve}`)).json();
    expect(page.letters[0].delivery).toMatchObject({ sent: 1, held: 0 });
  });
});
