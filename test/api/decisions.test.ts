// Decisions and human events reach the real case workflow as Updates. A school's roster and marks
// are imported, the real sweep opens the cases on a real Temporal server (the dev server) with the
// real attendanceCase workflow and its real activities, every payload sealed by the product's
// codec; so each step decided here is one the Bradford policy proposed, read from the API.
// Accepted: 200 and an audit entry. Refused by the case (stale, repeated): 409 with the case's
// reason, never a 500. A closed case: 409. A case that is not running (and not closed): 404.
// A case's page comes from the read model without asking the workflow, even when no worker answers;
// its live view asks the workflow, and says 503 when the case does not answer in time.
import { eventually as waitFor } from '../support/eventually';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { buildCalendar } from '../../domain/calendar';
import type { IsoDate } from '../../domain/types';
import { loadPolicyFile } from '../../policies';
import { openDb, type Db } from '../../store/db';
import { rowsFromObjects, runImport } from '../../store/imports';
import { upnCheckLetter } from '../../store/validate';
import { EncryptionCodec } from '../../temporal/encryptionCodec';
import { withDeadline } from '../../temporal/quiescence';
import { actorSigningInterceptor } from '../../temporal/actorClaims';
import { signingClient, testActorKeys } from '../support/actorKeys';
import { buildActivities } from '../../worker/activityDeps';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import type { CaseView } from '../../workflows/caseMessages';
import { startDevServer } from '../support/temporal';
import { CALENDAR, SCHOOL_ID } from '../workflows/harness';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';

/** A Friday: the rolling ten school weeks before it hold exactly 100 sessions. */
const START: IsoDate = '2026-03-20';
const TASK_QUEUE = `api-decisions-${randomUUID()}`;
/** Bound for waiting on the cases (they answer in well under a second on an idle machine). */
const WAIT_MS = 90_000;

const calendar = buildCalendar(CALENDAR);
const SCHOOL_DAYS = calendar.schoolDaysBetween(calendar.firstSchoolDay, START);
type Mark = (dayIndex: number, session: 'AM' | 'PM') => boolean;
/** 86% over the ten weeks (14 unauthorised sessions): Stage Two, Warning Letter 1 for the team. */
const missesOneSessionInSeven: Mark = (i, s) => (i % 7 === 0 && s === 'AM') || (i % 7 === 3 && s === 'PM');
/**
 * 90% (10 unauthorised sessions): Stage One, whose first step is for the team; and the penalty-notice
 * threshold is met, so the case then proposes a step the policy reserves for a manager.
 */
const missesEveryFifthMorning: Mark = (i, s) => i % 5 === 0 && s === 'AM';

const PUPILS = {
  amira: { given: 'Amira', family: 'Khan', absent: missesOneSessionInSeven },
  ben: { given: 'Ben', family: 'Lewis', absent: missesOneSessionInSeven },
  cleo: { given: 'Cleo', family: 'Morris', absent: missesEveryFifthMorning },
  dan: { given: 'Dan', family: 'Novak', absent: missesOneSessionInSeven },
  eve: { given: 'Eve', family: 'Owen', absent: missesOneSessionInSeven },
  finn: { given: 'Finn', family: 'Price', absent: missesOneSessionInSeven },
};
type PupilKey = keyof typeof PUPILS;
const KEYS = Object.keys(PUPILS) as PupilKey[];

function upnFor(i: number): string {
  const digits = `8202003${String(i).padStart(5, '0')}`;
  return upnCheckLetter(digits) + digits;
}

let env: TestWorkflowEnvironment;
let client: Client;
/** The API's own client: the same server and codec, and it counts the queries the API asks. */
let apiClient: Client;
const queriesAsked = new Map<string, number>();
const countQueries: WorkflowClientInterceptor = {
  async query(input, next) {
    const id = input.workflowExecution.workflowId;
    queriesAsked.set(id, (queriesAsked.get(id) ?? 0) + 1);
    return next(input);
  },
};
/** How many times the API has asked this case's workflow for its view. */
const queriesTo = (caseId: string) => queriesAsked.get(caseId) ?? 0;
let db: Db;
let worker: Worker;
let running: Promise<void>;
let t: TestApp;
let officer: Agent;
let manager: Agent;
const cases = {} as Record<PupilKey, string>;

interface ApprovalItem {
  caseId: string;
  proposalId: string;
  approver: 'team' | 'manager';
  canDecide: boolean;
  step: { stepId: string; title: string };
  pupil: { givenName: string };
  planHash: string | null;
}

const eventually = <T>(what: string, read: () => Promise<T>, holds: (v: T) => boolean) =>
  waitFor(what, read, holds, { timeoutMs: WAIT_MS, intervalMs: 100 });

async function readModel(key: PupilKey): Promise<{ status: string; view: CaseView } | undefined> {
  const { rows } = await db.query<{ status: string; view: CaseView }>(
    'SELECT status, view FROM cases WHERE case_id = $1',
    [cases[key]],
  );
  return rows[0];
}

/** The steps waiting for a decision, as the approvals page lists them for this user. */
async function approvals(agent: Agent): Promise<ApprovalItem[]> {
  const res = await agent.get('/api/approvals');
  expect(res.statusCode).toBe(200);
  return res.json().items;
}

/** The step waiting on this pupil's case, once the case has proposed it. */
async function proposalFor(key: PupilKey, stepId: string, agent = officer): Promise<ApprovalItem> {
  const items = await eventually(
    `${PUPILS[key].given}'s case to propose "${stepId}" on the approvals page`,
    () => approvals(agent),
    (list) => list.some((i) => i.caseId === cases[key] && i.step.stepId === stepId),
  );
  return items.find((i) => i.caseId === cases[key] && i.step.stepId === stepId)!;
}

/** Until the read model shows the case has acted on the decision: the step is no longer pending. */
async function decisionApplied(key: PupilKey, proposalId: string): Promise<CaseView> {
  const row = await eventually(
    `${PUPILS[key].given}'s case to act on proposal ${proposalId}`,
    () => readModel(key),
    (r) => r !== undefined && !r.view.pending.some((p) => p.proposalId === proposalId),
  );
  return row!.view;
}

/** The case's workflow as Temporal describes it: its status and what it still has in hand. */
async function workflowOf(key: PupilKey) {
  const { status, raw } = await client.workflow.getHandle(cases[key]).describe();
  return {
    status: status.name,
    workflowTask: Boolean(raw.pendingWorkflowTask),
    activities: raw.pendingActivities?.length ?? 0,
  };
}

async function auditOf(caseId: string, prefix: string) {
  const { rows } = await db.query<{ action: string; details: Record<string, unknown> }>(
    `SELECT action, details FROM audit_log WHERE target_id = $1 AND action LIKE $2 ORDER BY id`,
    [caseId, `${prefix}%`],
  );
  return rows;
}

beforeAll(async () => {
  env = await startDevServer();
  db = await openDb({ inMemory: true });

  // The school: six pupils and their marks up to the day the cases open.
  await runImport(db, {
    schoolId: SCHOOL_ID,
    calendar: CALENDAR,
    roster: rowsFromObjects(
      KEYS.map((key, i) => ({
        upn: upnFor(i + 1),
        given_name: PUPILS[key].given,
        family_name: PUPILS[key].family,
        year_group: '5',
        date_of_birth: '2015-05-01',
        contact1_name: `Parent ${PUPILS[key].family}`,
        contact1_email: `parent.${key}@example.org`,
        contact1_phone: '',
        contact2_name: '',
        contact2_email: '',
        contact2_phone: '',
        flags: '',
      })),
    ),
    marks: rowsFromObjects(
      KEYS.flatMap((key, i) =>
        SCHOOL_DAYS.flatMap((date, day) =>
          (['AM', 'PM'] as const).map((session) => ({
            upn: upnFor(i + 1),
            date,
            session,
            code: PUPILS[key].absent(day, session) ? 'O' : session === 'AM' ? '/' : '\\',
          })),
        ),
      ),
    ),
  });

  // The API, the worker's activities and the sweep's signals all go through the same codec, as in
  // production: the worker could not read a payload sealed with another key.
  const codec = new EncryptionCodec(randomBytes(32));
  client = signingClient({ connection: env.connection, dataConverter: { payloadCodecs: [codec] } });
  apiClient = new Client({
    connection: env.connection,
    dataConverter: { payloadCodecs: [codec] },
    interceptors: { workflow: [countQueries, actorSigningInterceptor(testActorKeys)] },
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
        // The cases live on the school day START, at real speed from now: no timer of theirs
        // (the next weekly check, a reminder) falls due while the tests run.
        simulation: { realStartMs: Date.now(), simStart: START },
      },
      policyForSchool: async () => policy,
      smtpUrl: undefined, // letters and messages wait in the outbox
      mailFrom: 'attendance@school.invalid',
    }),
  });
  running = worker.run();
  t = await makeTestApp({ temporal: apiClient, taskQueue: TASK_QUEUE, db, caseQueryTimeoutMs: 20_000 });
  officer = await signIn(t.app, (await makeUser(db, 'officer', [SCHOOL_ID])).email);
  manager = await signIn(t.app, (await makeUser(db, 'manager', [SCHOOL_ID])).email);

  const sweep = await client.workflow.execute('schoolSweep', {
    taskQueue: TASK_QUEUE,
    workflowId: `sweep-${randomUUID()}`,
    args: [{ schoolId: SCHOOL_ID, asOf: START }],
  });
  expect(sweep).toMatchObject({ evaluated: 6, opened: 6 });
  const opened = await eventually(
    'the six cases to be in the read model, each with a step waiting',
    async () =>
      (
        await db.query<{ case_id: string; upn: string }>(
          `SELECT c.case_id, p.upn FROM cases c JOIN pupils p ON p.id = c.pupil_id WHERE c.pending_approvals > 0`,
        )
      ).rows,
    (rows) => rows.length === KEYS.length,
  );
  for (const [i, key] of KEYS.entries()) cases[key] = opened.find((r) => r.upn === upnFor(i + 1))!.case_id;

  // Finn's case stops without closing (an operator terminated it): the read model still shows it
  // open with a step waiting, but there is no workflow to take a decision or an event.
  await eventually(
    'Finn’s case to wait for its decision, with nothing else in hand',
    () => workflowOf('finn'),
    (w) => !w.workflowTask && w.activities === 0,
  );
  await client.workflow.getHandle(cases.finn).terminate('stopped by an operator');
}, 240_000);

afterAll(async () => {
  await t?.close();
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => undefined);
  await db?.close();
  await env?.teardown();
});

describe('decisions', { timeout: 2 * WAIT_MS }, () => {
  it('approves a team step and audits who decided; the case sends the letter', async () => {
    const letter = await proposalFor('amira', 'warning-letter-1');
    expect(letter).toMatchObject({ approver: 'team', canDecide: true, pupil: { givenName: 'Amira' } });
    const res = await officer.post(`/api/approvals/${cases.amira}/${letter.proposalId}/decision`, {
      decision: 'approve',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ caseId: cases.amira, proposalId: letter.proposalId, status: 'approved' });
    expect(await auditOf(cases.amira, 'approval.')).toEqual([
      {
        action: 'approval.approve',
        details: expect.objectContaining({
          proposalId: letter.proposalId,
          stepId: 'warning-letter-1',
          approver: 'team',
        }),
      },
    ]);
    const view = await decisionApplied('amira', letter.proposalId);
    // No SMTP server here: the letter is written and waits in the outbox, and the case says so.
    expect(view.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['approved', 'letterHeld']));
    expect(view.timeline.some((e) => e.type === 'letterSent')).toBe(false);
  });

  it('answers a repeated decision with 409: the step is no longer waiting', async () => {
    const [item] = await auditOf(cases.amira, 'approval.approve');
    const proposalId = String(item!.details.proposalId);
    const res = await officer.post(`/api/approvals/${cases.amira}/${proposalId}/decision`, {
      decision: 'approve',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatch(/no longer waiting for a decision/);
  });

  it('two people approve the same step at once: one is accepted, the case refuses the other with 409 and its reason', async () => {
    // Both requests find the step waiting in the read model, so both reach the case; the case's
    // own validator turns the second one away.
    const letter = await proposalFor('dan', 'warning-letter-1');
    const url = `/api/approvals/${cases.dan}/${letter.proposalId}/decision`;
    const answers = await Promise.all([
      officer.post(url, { decision: 'approve' }),
      manager.post(url, { decision: 'approve' }),
    ]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    const refused = answers.find((a) => a.statusCode === 409)!;
    expect(refused.json().error).toMatch(
      new RegExp(`^proposal ${letter.proposalId} (has already been decided|is not pending on this case)`),
    );
    // Both people decided, so both decisions are in the log (each written before it was sent), and
    // the refusal beside the second: the log never reads as if both had been applied.
    expect((await auditOf(cases.dan, 'approval.')).map((a) => a.action)).toEqual([
      'approval.approve',
      'approval.approve',
    ]);
    expect(await auditOf(cases.dan, 'case.decision_not_applied')).toEqual([
      {
        action: 'case.decision_not_applied',
        details: { decision: 'approval.approve', why: refused.json().error },
      },
    ]);
    const view = await decisionApplied('dan', letter.proposalId);
    expect(view.timeline.filter((e) => e.type === 'letterHeld')).toHaveLength(1);
  });

  it('keeps a step the policy reserves for a manager to managers; a rejection needs a reason', async () => {
    // Cleo's case starts at Stage One with a step for the team; once that is done, the case
    // proposes considering a penalty notice, which the policy reserves for a manager.
    const awareness = await proposalFor('cleo', 'make-parents-aware');
    expect(awareness.approver).toBe('team');
    const approved = await officer.post(`/api/approvals/${cases.cleo}/${awareness.proposalId}/decision`, {
      decision: 'approve',
    });
    expect(approved.statusCode).toBe(200);
    const penalty = await proposalFor('cleo', 'stage-one-penalty-notice');
    expect(penalty).toMatchObject({ approver: 'manager', canDecide: false });
    const url = `/api/approvals/${cases.cleo}/${penalty.proposalId}/decision`;

    const byOfficer = await officer.post(url, { decision: 'approve' });
    expect(byOfficer.statusCode).toBe(403);
    expect(byOfficer.json().error).toMatch(/reserves this step for a manager/);
    const noReason = await manager.post(url, { decision: 'reject' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().issues[0]).toMatchObject({ path: 'body.reason' });
    const rejected = await manager.post(url, {
      decision: 'reject',
      reason: 'Family already meeting the SENCO',
    });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({ proposalId: penalty.proposalId, status: 'rejected' });
    expect((await auditOf(cases.cleo, 'approval.')).map((a) => a.action)).toEqual([
      'approval.approve',
      'approval.reject',
    ]);
    const view = await decisionApplied('cleo', penalty.proposalId);
    expect(view.timeline.map((e) => e.text)).toContainEqual(
      expect.stringMatching(/rejected — Family already meeting the SENCO/),
    );
  });

  it('amends a letter with new text, and the letter goes out as written', async () => {
    const letter = await proposalFor('ben', 'warning-letter-1');
    const text = 'Dear family,\n\nWe would like to talk.';
    const res = await officer.post(`/api/approvals/${cases.ben}/${letter.proposalId}/decision`, {
      decision: 'amend',
      amendedText: text,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ proposalId: letter.proposalId, status: 'amended' });
    const detail = await eventually(
      'the amended letter on Ben’s case',
      async () => (await officer.get(`/api/cases/${cases.ben}`)).json<{ letters: { id: string }[] }>(),
      (c) => c.letters.length > 0,
    );
    expect(detail.letters).toEqual([expect.objectContaining({ stepId: 'warning-letter-1', amended: true })]);
    const sent = await officer.get(`/api/letters/${detail.letters[0]!.id}`);
    expect(sent.json().bodyText).toContain('We would like to talk.');
  });

  it('approves in bulk, each item with its own result; a step changed since it was listed is skipped', async () => {
    const eve = await proposalFor('eve', 'warning-letter-1', manager);
    expect(eve.planHash).toMatch(/^[0-9a-f]{64}$/);
    const finn = await proposalFor('finn', 'warning-letter-1', manager);
    const [amiras] = await auditOf(cases.amira, 'approval.approve');
    const res = await manager.post('/api/approvals/bulk', {
      decision: 'approve',
      items: [
        // As listed before the letter changed (another plan than the one waiting now): skipped.
        { caseId: cases.eve, proposalId: eve.proposalId, planHash: 'f'.repeat(64) },
        { caseId: cases.eve, proposalId: eve.proposalId, planHash: eve.planHash },
        { caseId: cases.amira, proposalId: String(amiras!.details.proposalId) }, // decided already
        { caseId: cases.finn, proposalId: finn.proposalId }, // its workflow is not running
        { caseId: 'case-unknown', proposalId: 'x' },
      ],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ approved: 1, failed: 4 });
    expect(
      body.results.map((r: { ok: boolean; statusCode?: number; error?: string }) =>
        r.ok ? 200 : `${r.statusCode} ${r.error}`,
      ),
    ).toEqual([
      '409 This step has changed since it was shown to you: look at it again.',
      200,
      expect.stringMatching(/^409 This step is no longer waiting/),
      '404 That case is not running.',
      '404 No such case',
    ]);
  });

  it('reads a case live from the workflow: after the decision nothing is pending', async () => {
    const asked = queriesTo(cases.ben);
    const res = await officer.get(`/api/cases/${cases.ben}/live`);
    expect(res.statusCode).toBe(200);
    expect(queriesTo(cases.ben)).toBe(asked + 1);
    const body = res.json();
    expect(body.source).toBe('workflow');
    expect(body.case.pending).toEqual([]);
    expect(body.case.timeline).toContainEqual(
      expect.objectContaining({ type: 'amended', actor: expect.objectContaining({ role: 'officer' }) }),
    );
    expect(body.permissions).toEqual({ recordEvents: true });
  });

  it('shows the case page from the read model, without asking the workflow', async () => {
    const asked = queriesTo(cases.ben);
    const res = await officer.get(`/api/cases/${cases.ben}`);
    expect(res.statusCode).toBe(200);
    expect(queriesTo(cases.ben)).toBe(asked);
    const body = res.json();
    expect(body.source).toBe('projection');
    expect(body.case.caseId).toBe(cases.ben);
    expect(body.pupil).toMatchObject({ givenName: 'Ben', familyName: 'Lewis' });
  });
});

describe('human events', { timeout: 2 * WAIT_MS }, () => {
  it('records an outcome and closes the case; afterwards the case refuses events and decisions with 409', async () => {
    const outcome = await officer.post(`/api/cases/${cases.ben}/events`, {
      type: 'outcome',
      outcome: 'medicalEvidenceReceived',
      note: 'GP letter',
    });
    expect(outcome.statusCode).toBe(200);
    expect(outcome.json()).toMatchObject({ accepted: true });
    const bad = await officer.post(`/api/cases/${cases.ben}/events`, {
      type: 'outcome',
      outcome: 'gotBetter',
    });
    expect(bad.statusCode).toBe(400);
    const close = await manager.post(`/api/cases/${cases.ben}/events`, {
      type: 'close',
      reason: 'Moved school',
    });
    expect(close.statusCode).toBe(200);
    // The workflow of a closed case completes: from then on Temporal knows it only as finished.
    await eventually(
      'Ben’s case workflow to complete after the close',
      () => workflowOf('ben'),
      (w) => w.status === 'COMPLETED',
    );
    expect(await readModel('ben')).toMatchObject({ status: 'closed' });
    // Nothing live to add to a closed case: the read model holds its final state.
    expect((await officer.get(`/api/cases/${cases.ben}/live`)).statusCode).toBe(204);

    const closed = 'This case is closed; nothing more can be recorded on it.';
    const note = await officer.post(`/api/cases/${cases.ben}/events`, {
      type: 'note',
      note: 'Called the family',
    });
    expect(note.statusCode).toBe(409);
    expect(note.json().error).toBe(closed);
    const proposed = (await readModel('ben'))!.view.timeline.find((e) => e.type === 'proposed')!;
    const decision = await officer.post(`/api/approvals/${cases.ben}/${proposed.proposalId}/decision`, {
      decision: 'approve',
    });
    expect(decision.statusCode).toBe(409);
    expect(decision.json().error).toBe(closed);
    expect((await auditOf(cases.ben, 'case.event.')).map((r) => r.action)).toEqual([
      'case.event.outcome',
      'case.event.close',
    ]);
  });

  it('answers 404 for a case whose workflow is not running', async () => {
    const res = await officer.post(`/api/cases/${cases.finn}/events`, { type: 'note', note: 'Called' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('That case is not running.');
  });
});

describe('when the worker does not answer', { timeout: 2 * WAIT_MS }, () => {
  let patient: TestApp;
  let hurried: TestApp;
  beforeAll(async () => {
    // The worker stops: from now on no case answers a query, as when every worker is busy.
    worker.shutdown();
    await running.catch(() => undefined);
    // An app that would wait far longer than any test for a case to answer, and one that waits a second.
    patient = await makeTestApp({
      temporal: apiClient,
      taskQueue: TASK_QUEUE,
      db,
      caseQueryTimeoutMs: 3_600_000,
    });
    hurried = await makeTestApp({
      temporal: apiClient,
      taskQueue: TASK_QUEUE,
      db,
      caseQueryTimeoutMs: 1_000,
    });
  });
  afterAll(async () => {
    await patient?.close();
    await hurried?.close();
  });

  it('still shows the case page at once, from the read model', async () => {
    const agent = await signIn(patient.app, (await makeUser(db, 'officer', [SCHOOL_ID])).email);
    const asked = queriesTo(cases.amira);
    const res = await agent.get(`/api/cases/${cases.amira}`);
    expect(res.statusCode).toBe(200);
    expect(queriesTo(cases.amira), 'queries to the case behind the page').toBe(asked);
    expect(res.json()).toMatchObject({
      source: 'projection',
      case: { caseId: cases.amira, status: 'open' },
      pupil: { givenName: 'Amira' },
    });
  });

  it('answers the live view with 503 once its timeout has passed, saying the page is as last saved', async () => {
    const agent = await signIn(hurried.app, (await makeUser(db, 'officer', [SCHOOL_ID])).email);
    // Its timeout is a second; the server itself would give up on the query only much later.
    const res = await withDeadline(
      agent.get(`/api/cases/${cases.amira}/live`),
      15_000,
      'the live view to answer (its timeout is 1 s)',
    );
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatch(/did not answer in time; it is shown as last saved/);
  });
});
