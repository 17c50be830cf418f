// The Integrations page's API (issue 17): an administrator connects the school's MIS and GOV.UK
// Notify; the secret goes in and never comes out (not in an answer, not in the audit log, not in the
// store in clear); a sync can be started now; a failed one shows on the managers' dashboard with why,
// having changed nothing; Notify's callbacks are taken only with the school's token. Real Temporal dev
// server (the Schedules), a real worker running misSync, PGlite, and the stand-in of the MIS's API.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env';
import { integrationServices } from '../../integrations/services';
import { loadPolicyFile } from '../../policies';
import { openDb, type Db } from '../../store/db';
import { listSyncs } from '../../store/integrations';
import { listPupils } from '../../store/pupils';
import { misSyncScheduleId } from '../../temporal/schedules';
import { buildActivities } from '../../worker/activityDeps';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import { eventually } from '../support/eventually';
import { signingClient, testActorKeys } from '../support/actorKeys';
import { startDevServer } from '../support/temporal';
import { startWondeStandIn, type WondeStandIn } from '../support/wondeStandIn';
import { startNotifyStandIn } from '../support/notifyStandIn';
import { insertOutbox, markOutboxHeld } from '../../store/caseServices';
import { STUDENTS } from '../integrations/misSchool';
import { SCHOOL_A, seedSchool } from './fixtures';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';

const TASK_QUEUE = `integrations-${randomBytes(4).toString('hex')}`;
const KEY = randomBytes(32).toString('base64');

let env: TestWorkflowEnvironment;
let db: Db;
let t: TestApp;
let worker: Worker;
let running: Promise<void>;
let mis: WondeStandIn;
let admin: Agent;
let manager: Agent;
let officer: Agent;
let temporal: ReturnType<typeof signingClient>;

beforeAll(async () => {
  env = await startDevServer();
  db = await openDb({ inMemory: true });
  await seedSchool(db, SCHOOL_A, 'Alder Primary', [
    { given: 'Ava', family: 'Stone', year: 4 },
    { given: 'Ben', family: 'Reed', year: 5 },
  ]);
  mis = await startWondeStandIn();
  mis.putStudents(STUDENTS);
  const envVars = { INTEGRATION_SECRET_KEY: KEY, DATA_DIR: mkdtempSync(join(tmpdir(), 'integrations-')) };
  const client = signingClient({ connection: env.connection });
  temporal = client;
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
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
        searchAttributes: false,
      },
      policyForSchool: async () => loadPolicyFile('bradford-staged-intervention'),
      smtpUrl: undefined,
      mailFrom: 'attendance@school.invalid',
      integrations: integrationServices(db, loadConfig(envVars)),
      misClient: { backoffMs: 10 },
    }),
  });
  running = worker.run();
  t = await makeTestApp({ db, temporal: client, taskQueue: TASK_QUEUE, env: envVars });
  const users = {
    admin: await makeUser(db, 'admin', [SCHOOL_A]),
    manager: await makeUser(db, 'manager', [SCHOOL_A]),
    officer: await makeUser(db, 'officer', [SCHOOL_A]),
  };
  admin = await signIn(t.app, users.admin.email);
  manager = await signIn(t.app, users.manager.email);
  officer = await signIn(t.app, users.officer.email);
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running?.catch(() => undefined);
  await t?.close();
  await db?.close();
  await mis?.close();
  await env?.teardown();
});

const misUrl = `/api/schools/${SCHOOL_A}/integrations/mis`;

async function dataFeed(agent: Agent) {
  const res = await agent.get(`/api/dashboard?schoolId=${SCHOOL_A}`);
  expect(res.statusCode).toBe(200);
  return res.json<{
    dataFeed: {
      source: string;
      failing: boolean;
      ageHours: number | null;
      latestSync: { error: string | null } | null;
    };
  }>().dataFeed;
}

async function syncNowAndWait(agent: Agent) {
  const before = (await listSyncs(db, SCHOOL_A, 100)).length;
  const res = await agent.post(`${misUrl}/sync`);
  expect(res.statusCode).toBe(202);
  return eventually(
    'the sync to finish',
    async () => listSyncs(db, SCHOOL_A, 100),
    (syncs) => syncs.length > before && syncs[0]!.status !== 'running',
    { timeoutMs: 60_000 },
  ).then((syncs) => syncs[0]!);
}

describe('connecting the MIS', () => {
  it('is for the school’s administrator only', async () => {
    const body = { baseUrl: mis.baseUrl, misSchoolId: mis.schoolId, token: mis.token };
    expect((await officer.put(misUrl, body)).statusCode).toBe(403);
    expect((await manager.put(misUrl, body)).statusCode).toBe(403);
    expect((await officer.get(`/api/schools/${SCHOOL_A}/integrations`)).statusCode).toBe(403);
  });

  it('refuses a token sent in clear across a network', async () => {
    const res = await admin.put(misUrl, {
      baseUrl: 'http://mis.example.org/v1.0',
      misSchoolId: 'A1',
      token: 'a-token-of-forty-characters-0000000000000',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/https address/);
  });

  it('seals the token, never shows it again, and schedules the syncs', async () => {
    const res = await admin.put(misUrl, {
      baseUrl: mis.baseUrl,
      misSchoolId: mis.schoolId,
      token: mis.token,
      codeMap: { Z9: 's' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(mis.token);
    expect(res.json()).toMatchObject({
      mis: {
        connected: true,
        source: 'school',
        tokenHint: `…${mis.token.slice(-4)}`,
        codeMap: { Z9: 'S' },
        syncTimes: ['10:00', '14:15', '16:10'],
      },
    });
    const again = await admin.get(`/api/schools/${SCHOOL_A}/integrations`);
    expect(again.body).not.toContain(mis.token);
    const { rows } = await db.query<{ secret_sealed: string; settings: unknown }>(
      `SELECT secret_sealed, settings FROM school_integrations`,
    );
    expect(JSON.stringify(rows)).not.toContain(mis.token);
    const audit = await db.query<{ action: string; details: unknown }>(
      `SELECT action, details FROM audit_log WHERE action LIKE 'integration.%'`,
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['integration.mis.save']);
    expect(JSON.stringify(audit.rows)).not.toContain(mis.token);

    const described = await signingClient({ connection: env.connection })
      .schedule.getHandle(misSyncScheduleId(SCHOOL_A))
      .describe();
    expect(described.spec.calendars?.map((c) => `${c.hour?.[0]?.start}:${c.minute?.[0]?.start}`)).toEqual([
      '10:0',
      '14:15',
      '16:10',
    ]);
  });

  it('tests the connection: the MIS names the school', async () => {
    const res = await admin.post(`${misUrl}/test`);
    expect(res.json()).toEqual({ ok: true, misSchool: { id: mis.schoolId, name: 'Harbour Academy' } });
  });
});

describe('a sync that fails', () => {
  it('changes nothing, and the dashboard says so with why; the next good sync clears it', async () => {
    // A wrong token, saved by mistake.
    expect(
      (
        await admin.put(misUrl, {
          baseUrl: mis.baseUrl,
          misSchoolId: mis.schoolId,
          token: 'not-the-right-token-0000',
        })
      ).statusCode,
    ).toBe(200);
    const failed = await syncNowAndWait(officer);
    expect(failed).toMatchObject({
      status: 'failed',
      trigger: 'manual',
      error: expect.stringMatching(/refused the token \(401/),
    });
    expect((await listPupils(db, SCHOOL_A)).map((p) => p.givenName).sort()).toEqual(['Ava', 'Ben']);
    const feed = await dataFeed(manager);
    expect(feed).toMatchObject({
      source: 'mis',
      failing: true,
      latestSync: { error: expect.stringMatching(/check the token in Integrations/) },
    });

    // The right token: the pupils arrive, and the dashboard says the registers are fresh.
    expect(
      (await admin.put(misUrl, { baseUrl: mis.baseUrl, misSchoolId: mis.schoolId, token: mis.token }))
        .statusCode,
    ).toBe(200);
    const ok = await syncNowAndWait(officer);
    expect(ok).toMatchObject({ status: 'succeeded', counts: { students: 3, pupilsInserted: 3 } });
    expect(await dataFeed(manager)).toMatchObject({ source: 'mis', failing: false, ageHours: 0 });
  });
});

describe('a sync that waits for a busy MIS', () => {
  it('tells a second "Sync now" that one is running, until that run has ended', async () => {
    // The MIS is overloaded: every request answers 503. The sync is recorded as failed, and its run
    // waits a minute to try the MIS again (workflows/misSync.ts).
    mis.failNext('/v1.0/schools', 10_000, 503, { retryAfterSeconds: 0 });
    try {
      const busy = await syncNowAndWait(officer);
      expect(busy).toMatchObject({ status: 'failed', trigger: 'manual' });
      // The list says the last sync failed, but its run is still going: a second click is told so,
      // not given a second sync beside the first.
      const again = await officer.post(`${misUrl}/sync`);
      expect(again.statusCode).toBe(409);
      expect(again.json<{ error: string }>().error).toMatch(/running already/);
    } finally {
      mis.clearFailures();
      await temporal.workflow.getHandle(`mis-sync-${SCHOOL_A}-manual`).terminate('test over');
    }
    // Once that run has ended, the next click starts a sync, and it goes through.
    const next = await syncNowAndWait(officer);
    expect(next).toMatchObject({ status: 'succeeded', trigger: 'manual' });
  });

  it('starts a new sync for a click that comes as the last run is ending', async () => {
    // The list of syncs is written by the sync itself, so it says "finished" a moment before the
    // run ends. Here the run holding "sync now" ends a moment after the click (a run no worker takes,
    // ended by the test): the click waits for it and starts a new sync rather than answer 409. (Had
    // the run ended first, the click would start one all the same.)
    const id = `mis-sync-${SCHOOL_A}-manual`;
    await temporal.workflow.getHandle(id).result(); // the last test's sync, ended, so the id is free
    const holder = await temporal.workflow.start('misSync', {
      taskQueue: `${TASK_QUEUE}-nobody`,
      workflowId: id,
      args: [{ schoolId: SCHOOL_A, trigger: 'manual' }],
    });
    const before = (await listSyncs(db, SCHOOL_A, 100)).length;
    const click = officer.post(`${misUrl}/sync`);
    const ended = new Promise((resolve) => setTimeout(resolve, 1_500)).then(() => holder.terminate('ended'));
    const res = await click;
    await ended;
    expect(res.statusCode).toBe(202);
    const synced = await eventually(
      'the new sync to finish',
      async () => listSyncs(db, SCHOOL_A, 100),
      (syncs) => syncs.length > before && syncs[0]!.status !== 'running',
      { timeoutMs: 60_000 },
    );
    expect(synced[0]).toMatchObject({ status: 'succeeded', trigger: 'manual' });
  });
});

describe('connecting GOV.UK Notify', () => {
  const notifyUrl = `/api/schools/${SCHOOL_A}/integrations/notify`;
  const apiKey = `attendance_live-${'1'.repeat(8)}-2222-3333-4444-${'5'.repeat(12)}-${'6'.repeat(8)}-7777-8888-9999-${'a'.repeat(12)}`;

  it('shows the callback token once, and takes a callback only with it', async () => {
    const res = await admin.put(notifyUrl, {
      apiKey,
      newCallbackToken: true,
      postLetters: true,
      postage: 'second',
    });
    expect(res.statusCode).toBe(200);
    const { callbackToken, notify } = res.json<{
      callbackToken: string;
      notify: { keyHint: string; callbacks: string };
    }>();
    expect(callbackToken).toMatch(/^[\w-]{32}$/);
    expect(notify).toMatchObject({ keyHint: `…${apiKey.slice(-4)}`, callbacks: 'set' });
    const again = await admin.get(`/api/schools/${SCHOOL_A}/integrations`);
    expect(again.body).not.toContain(callbackToken);
    expect(again.body).not.toContain(apiKey);

    const callback = (token: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/integrations/notify/callbacks/delivery-status',
        headers: { authorization: `Bearer ${token}` },
        payload: { id: '740e5834-3a29-46b4-9a6f-16142fde533a', reference: 'x', status: 'delivered' },
      });
    expect((await callback('a-guess')).statusCode).toBe(401);
    // The right token for a message this service never sent: the same answer, nothing learned.
    expect((await callback(callbackToken)).statusCode).toBe(401);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/integrations/notify/callbacks/returned-letter',
          payload: {},
        })
      ).statusCode,
    ).toBe(400);
  });
});

describe('mail held before Notify was connected', () => {
  it('goes through the school’s Notify from the outbox, word for word', async () => {
    const standIn = await startNotifyStandIn();
    try {
      // A letter's email written while the school had no mail server: held in the outbox.
      await insertOutbox(db, {
        idempotencyKey: 'held-before-notify:0',
        schoolId: SCHOOL_A,
        channel: 'email',
        to: 'parent.stone@example.org',
        subject: 'Ava Stone’s attendance at Alder Primary',
        text: 'Dear Parent Stone,\n\nWe are writing about Ava’s attendance.',
      });
      await markOutboxHeld(db, 'held-before-notify:0', 'no SMTP server configured');
      const connect = await admin.put(`/api/schools/${SCHOOL_A}/integrations/notify`, {
        baseUrl: standIn.baseUrl,
        apiKey: standIn.apiKey,
        emailTemplateId: standIn.emailTemplateId,
      });
      expect(connect.statusCode).toBe(200);

      const outbox = (await manager.get(`/api/outbox?schoolId=${SCHOOL_A}`)).json<{
        transport: string;
        canSendHeld: boolean;
      }>();
      expect(outbox).toMatchObject({ transport: 'notify', canSendHeld: true });
      expect((await dashboardMail(manager)).transport).toBe('notify');
      const sent = await manager.post('/api/outbox/send-held', { schoolId: SCHOOL_A });
      expect(sent.json()).toMatchObject({ sent: 1, stillHeld: 0, failed: 0 });
      expect(standIn.notifications.map((n) => [n.emailAddress, n.personalisation, n.reference])).toEqual([
        [
          'parent.stone@example.org',
          {
            subject: 'Ava Stone’s attendance at Alder Primary',
            body: 'Dear Parent Stone,\n\nWe are writing about Ava’s attendance.',
          },
          'held-before-notify:0',
        ],
      ]);
    } finally {
      await standIn.close();
    }
  });
});

async function dashboardMail(agent: Agent) {
  return (await agent.get(`/api/dashboard?schoolId=${SCHOOL_A}`)).json<{ mail: { transport: string } }>()
    .mail;
}
