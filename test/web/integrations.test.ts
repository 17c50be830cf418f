// An administrator connects the school's MIS and GOV.UK Notify from the web app, in a real browser
// (Debian's Chromium): saves the MIS's address, the school's id and its token, tests the connection,
// syncs now and watches the pupils arrive, and makes Notify's callback token, shown once. Then a
// manager's dashboard says how fresh the registers are. Real Temporal dev server, the embedded
// worker `npm start` uses, PGlite, and stand-ins of the MIS's and Notify's documented APIs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client } from '@temporalio/client';
import { buildApp } from '../../api/app';
import { ensureWebBuilt } from '../../api/webBuild';
import { loadConfig } from '../../config/env';
import { openDb, type Db } from '../../store/db';
import { runImport } from '../../store/imports';
import { actorSigningInterceptor, loadActorKeys } from '../../temporal/actorClaims';
import { loadDataConverter } from '../../temporal/connection';
import { startEmbeddedWorker } from '../../worker/embedded';
import { calendarFor, SCHOOL_A } from '../api/fixtures';
import { makeUser, PASSWORD } from '../api/helpers';
import { STUDENTS } from '../integrations/misSchool';
import { startNotifyStandIn, type NotifyStandIn } from '../support/notifyStandIn';
import { startDevServer } from '../support/temporal';
import { startWondeStandIn, type WondeStandIn } from '../support/wondeStandIn';
import { expectAccessible } from './steps/a11y';
import { launchChromium, newPageIn } from './steps/browser';

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const NOV_2026 = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27'];

let env: TestWorkflowEnvironment;
let db: Db;
let app: FastifyInstance;
let worker: { shutdown(): Promise<void> };
let browser: Browser;
let base: string;
let dataDir: string;
let mis: WondeStandIn;
let notify: NotifyStandIn;
const users: Record<'admin' | 'manager', string> = { admin: '', manager: '' };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'integrations-web-'));
  env = await startDevServer();
  db = await openDb({ inMemory: true });
  await runImport(db, { schoolId: SCHOOL_A, calendar: calendarFor(SCHOOL_A, 'Alder Primary') });
  users.admin = (await makeUser(db, 'admin', [SCHOOL_A])).email;
  users.manager = (await makeUser(db, 'manager', [SCHOOL_A])).email;
  mis = await startWondeStandIn();
  mis.putStudents(STUDENTS);
  mis.putSessions(
    STUDENTS.flatMap((s) =>
      NOV_2026.flatMap((date) => [
        { studentId: s.id, date, session: 'AM' as const, code: '/' },
        { studentId: s.id, date, session: 'PM' as const, code: '\\' },
      ]),
    ),
  );
  notify = await startNotifyStandIn();
  const config = loadConfig({
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: 'integrations-web',
    DEMO_SCHOOL: 'false',
  });
  expect(await ensureWebBuilt(() => undefined)).toBe(true);
  const temporal = new Client({
    connection: env.connection,
    dataConverter: await loadDataConverter(config),
    interceptors: { workflow: [actorSigningInterceptor(await loadActorKeys(config, 'sign'))] },
  });
  app = await buildApp({
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    db,
    config,
    sessionSecret: 'integrations-web-secret-0000000001',
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  worker = await startEmbeddedWorker({ config, db, temporalClient: temporal });
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await worker?.shutdown();
  await app?.close();
  await env?.teardown();
  await db?.close();
  await mis?.close();
  await notify?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 60_000 });
}

describe('an administrator connects the school’s MIS and GOV.UK Notify', () => {
  it('saves the MIS, tests it, syncs now and sees the pupils arrive; the manager sees fresh registers', async () => {
    const page = await newPageIn(browser);
    await signIn(page, users.admin);
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('heading', { name: 'Registers from the MIS' }).waitFor();
    await expect(page.getByText('Not connected').first().isVisible()).resolves.toBe(true);

    await page.getByLabel('API address').fill(mis.baseUrl);
    await page.getByLabel('The school’s id at the MIS').fill(mis.schoolId);
    await page.getByLabel('API token').fill(mis.token);
    await page.getByLabel(/register codes, as DfE codes/).fill('Z9=S');
    await page.getByRole('button', { name: 'Save' }).first().click();
    await page.getByText('Saved. The registers are read by the schedule below').waitFor();
    // The token is never shown again: only its last four characters.
    await expect(page.getByLabel('API token').inputValue()).resolves.toBe('');
    await expect(page.getByLabel('API token').getAttribute('placeholder')).resolves.toContain(
      mis.token.slice(-4),
    );
    expect(await page.content()).not.toContain(mis.token);

    await page.getByRole('button', { name: 'Test connection' }).first().click();
    await page.getByText('Connected: the MIS knows this school as Harbour Academy.').waitFor();

    await page.getByRole('button', { name: 'Sync now' }).click();
    const syncs = page.getByRole('table', { name: 'Latest syncs from the MIS' });
    await syncs.getByText('3 new pupils, 0 updated; 30 new marks, 0 re-coded').waitFor({ timeout: 90_000 });
    await expectAccessible(page, 'Integrations');
    await page.screenshot({ path: join(SHOTS, 'integrations.png'), fullPage: true });

    // GOV.UK Notify: the key, the email template, and the callback token shown once.
    await page.getByLabel('API key').fill(notify.apiKey);
    await page.getByLabel(/Email template id/).fill(notify.emailTemplateId);
    await page.getByRole('button', { name: 'Save' }).nth(1).click();
    const token = page.getByText('Callback token', { exact: true });
    await token.waitFor();
    await page.getByText(/\/api\/integrations\/notify\/callbacks\/returned-letter$/).waitFor();
    expect(await page.content()).not.toContain(notify.apiKey);
    await page.close();

    const manager = await newPageIn(browser);
    await signIn(manager, users.manager);
    await manager.getByRole('link', { name: 'Dashboard' }).click();
    await manager
      .getByTestId('data-feed')
      .getByText(/Registers last updated from the MIS less than an hour ago/)
      .waitFor({ timeout: 60_000 });
    await manager.close();
  }, 300_000);
});
