// The whole product in a real browser: a real Temporal dev server, the real worker (the embedded-
// worker function `npm start` uses), PGlite in memory, the API on a random port serving the built web
// app, and a local SMTP server catching the mail. Chromium (Debian's) walks the journey:
// sign in -> import the demo school -> run the sweep -> sign in from the login page's demo accounts ->
// My work -> approve a letter -> see it sent -> open the case timeline -> the daily round (a call
// done in one click on My work, safeguarding first; a bulk approval that skips a step decided
// meanwhile; an outcome dated in the future refused) -> read the dashboard -> the audit log, returns
// and evidence pack; and a school calendar made in the editor and imported. axe-core checks every
// page for WCAG 2.2 AA (steps/a11y.ts). A screenshot of each page goes to docs/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildApp } from '../../api/app';
import { ensureFirstAdmin } from '../../api/auth/bootstrap';
import { ensureWebBuilt } from '../../api/webBuild';
import { loadConfig } from '../../config/env';
import { openDb, type Db } from '../../store/db';
import { actorSigningInterceptor, loadActorKeys } from '../../temporal/actorClaims';
import { startEmbeddedWorker } from '../../worker/embedded';
import { loadDataConverter } from '../../temporal/connection';
import { Client } from '@temporalio/client';
import { startDevServer } from '../support/temporal';
import { startTestSmtp, type TestSmtp } from '../support/smtp';
import { expectAccessible } from './steps/a11y';
import { CHROMIUM_ARGS, newPageIn } from './steps/browser';
import { useCalendarEditor } from './steps/calendarEditor';
import { bulkApproveWithAStaleStep, refuseAFutureOutcome, workMyDay } from './steps/dailyRound';
import { schoolDateAt } from '../../domain/time';

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const ADMIN = { email: 'admin@journey.example.org', password: 'journey admin password' };

let env: TestWorkflowEnvironment;
let db: Db;
let smtp: TestSmtp;
let app: FastifyInstance;
let worker: { shutdown(): Promise<void> };
let browser: Browser;
let base: string;
let dataDir: string;
const accounts: Record<string, { email: string; password: string }> = {};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'journey-'));
  env = await startDevServer();
  smtp = await startTestSmtp();
  db = await openDb({ inMemory: true });
  const config = loadConfig({
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: 'journey',
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Oakwood Attendance <attendance@oakwood-demo.example.org>',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    // On, as on a laptop: the login page shows the demo school's accounts once it is imported (the
    // demo is imported from the Imports page below, without its replayed term: docs/demo.md).
    DEMO_SCHOOL: 'true',
  });
  await ensureFirstAdmin(db, config, 'http://127.0.0.1', () => undefined);
  expect(await ensureWebBuilt(() => undefined)).toBe(true);
  // As production does: every payload and failure sealed with the school's key (temporal/connection.ts),
  // and every decision signed with the API's key, which the embedded worker checks.
  const client = new Client({
    connection: env.connection,
    dataConverter: await loadDataConverter(config),
    interceptors: { workflow: [actorSigningInterceptor(await loadActorKeys(config, 'sign'))] },
  });
  app = await buildApp({
    temporal: client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    db,
    config,
    sessionSecret: 'journey-secret-journey-secret-01',
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  worker = await startEmbeddedWorker({ config, db, temporalClient: client });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await worker?.shutdown();
  await app?.close();
  await smtp?.close();
  await env?.teardown();
  await db?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function newPage(): Promise<Page> {
  return newPageIn(browser);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 60_000 });
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

/**
 * Waits until the read model says something has happened (the sweep and the cases run in the
 * background), then lets the page load once. Reloading a page until it shows something would
 * cancel the very requests a busy worker is answering.
 */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Approves, through the API, a step that makes a call for the team, and waits for the call. */
async function approveAPhoneStep(page: Page): Promise<void> {
  const csrf = (await (await page.request.get(`${base}/api/auth/me`)).json()).csrfToken as string;
  const list = (await (await page.request.get(`${base}/api/approvals`)).json()) as {
    items: { caseId: string; proposalId: string; canDecide: boolean; step: { channel?: string } }[];
  };
  const phone = list.items.find((i) => i.canDecide && i.step.channel === 'phone');
  expect(phone, 'a phone step waiting for the officer').toBeTruthy();
  const res = await page.request.post(
    `${base}/api/approvals/${encodeURIComponent(phone!.caseId)}/${phone!.proposalId}/decision`,
    { data: { decision: 'approve' }, headers: { 'x-csrf-token': csrf } },
  );
  expect(res.status()).toBe(200);
  await until(
    async () =>
      (await count(
        `SELECT count(*)::int AS n FROM cases c, jsonb_array_elements(c.view->'tasks') t
          WHERE c.case_id = $1 AND t->>'status' = 'open'`,
        [phone!.caseId],
      )) > 0,
    90_000,
    'the call on the case, in the read model',
  );
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql, params);
  return rows[0]?.n ?? 0;
}

describe('the attendance team’s journey in a browser', () => {
  it('signs in, imports the demo school, sweeps, approves a letter, sees it sent, opens the case and reads the dashboard', async () => {
    const page = await newPage();

    // 1. Sign in (administrator from ADMIN_EMAIL / ADMIN_PASSWORD).
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(page, 'login');
    await expectAccessible(page, 'login');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent(), { timeout: 60_000 })
      .toMatch(/do not match/);
    await signIn(page, ADMIN.email, ADMIN.password);
    await expect.poll(() => page.url(), { timeout: 60_000 }).toMatch(/\/imports$/);

    // Files with mistakes are refused whole, every bad row listed.
    const calendar = JSON.stringify({
      school: '100009',
      name: 'Elm Primary',
      lessonsPerDay: 5,
      terms: [{ name: 'Autumn', start: '2026-09-07', end: '2026-12-18' }],
      closures: [],
    });
    const roster =
      'upn,given_name,family_name,year_group,date_of_birth,contact1_name,contact1_email,contact1_phone,contact2_name,contact2_email,contact2_phone,flags\nA123,Amy,,4,2016-02-30,,not-an-email,,,,,\n';
    await page.getByLabel('School id (URN)').fill('100009');
    await page
      .getByLabel(/^Calendar/)
      .setInputFiles({ name: 'calendar.json', mimeType: 'application/json', buffer: Buffer.from(calendar) });
    await page
      .getByLabel(/^Roster/)
      .setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(roster) });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText(/Nothing was imported: \d+ problems? found/).waitFor();
    await shot(page, 'imports-errors');
    await expectAccessible(page, 'imports-errors');

    // 2. Import the demo school.
    await page.getByRole('button', { name: 'Import the demo school' }).click();
    await page.locator('.demo-accounts').waitFor({ timeout: 120_000 });
    for (const role of ['officer', 'manager']) {
      accounts[role] = {
        email: (await page.locator(`td[data-role="${role}"][data-field="email"]`).textContent())!.trim(),
        password: (await page
          .locator(`td[data-role="${role}"][data-field="password"]`)
          .textContent())!.trim(),
      };
    }
    await page.getByText(/Imported 600 pupils/).waitFor();

    // 3. Run the sweep.
    await page.getByRole('button', { name: 'Run the sweep' }).click();
    await page.getByText(/Sweep finished: 600 pupils checked/).waitFor({ timeout: 240_000 });
    const sweepText = await page.getByText(/Sweep finished/).textContent();
    const opened = Number(/(\d+) cases? opened/.exec(sweepText ?? '')?.[1] ?? 0);
    expect(opened).toBeGreaterThan(10);
    await shot(page, 'imports');
    await expectAccessible(page, 'imports');
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Add a user' }).waitFor();
    await shot(page, 'users');
    await expectAccessible(page, 'users');
    await page.goto(`${base}/api/docs`);
    await page.locator('.swagger-ui .opblock').first().waitFor();
    await shot(page, 'api-docs');
    // Not checked for accessibility: Swagger UI is third-party, and not the team's app.
    await page.goto(`${base}/imports`);
    await signOut(page);

    // 4. Approve a letter, as the demo attendance officer, signed in from the login page's demo accounts.
    await page.getByRole('heading', { name: 'Trying the demo school?' }).waitFor();
    await page.getByRole('button', { name: 'Use the demo officer' }).click();
    await expect
      .poll(() => page.getByLabel('Email').inputValue(), { timeout: 60_000 })
      .toBe(accounts.officer!.email);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Signing in hashes the password: slow on a busy machine.
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 60_000 });
    // An officer's day starts on My work.
    await expect.poll(() => page.url(), { timeout: 60_000 }).toMatch(/\/my-work$/);
    await page.getByRole('heading', { name: 'My work' }).waitFor();
    await until(
      async () =>
        (await count(
          `SELECT count(*)::int AS n FROM cases c, jsonb_array_elements(c.view->'pending') p
            WHERE c.status <> 'closed' AND p->'step'->>'kind' = 'letter'`,
        )) > 0,
      180_000,
      'a letter waiting for approval in the read model',
    );
    await page.getByRole('link', { name: 'Approvals', exact: true }).click();
    const letterItem = page.locator('.queue-list li[data-kind="letter"]').first();
    await letterItem.waitFor({ timeout: 60_000 });
    const caseId = (await letterItem.getAttribute('data-case-id'))!;
    await letterItem.locator('button.queue-item').click();
    const title = (await letterItem.locator('.queue-title').textContent())!.trim();
    const pupil = (await letterItem.locator('.queue-meta').first().textContent())!.split('·')[0]!.trim();
    await page.getByRole('heading', { name: 'The letter, as it will be sent' }).waitFor();
    // The letter's subject is written for the family (not the step's title): read it off the preview.
    const subject = (await page.locator('iframe.letter-frame').getAttribute('title'))!.replace(
      /^Preview: /,
      '',
    );
    expect(subject).toMatch(/attendance/);
    const frame = page.frameLocator('iframe.letter-frame');
    await expect.poll(() => frame.locator('body').textContent(), { timeout: 30_000 }).toContain('Dear');
    await shot(page, 'approvals');
    await expectAccessible(page, 'approvals');
    await page.getByRole('button', { name: /^Approve and send$/ }).click();
    await page.getByText(`Approved: ${title} for ${pupil}.`).waitFor();

    // 5. See it in the outbox, and caught by the SMTP server.
    await until(
      async () =>
        (await count(
          `SELECT count(*)::int AS n FROM outbox WHERE case_id = $1 AND channel = 'email' AND status = 'sent'`,
          [caseId],
        )) > 0,
      90_000,
      'the letter sent, in the outbox',
    );
    await page.getByRole('link', { name: 'Outbox' }).click();
    const sentRow = page
      .locator('tbody tr.clickable', { hasText: subject })
      .filter({ has: page.locator('.pill-ok') });
    await sentRow.first().waitFor({ timeout: 60_000 });
    // The SMTP server caught the email with the letter's PDF attached.
    await expect
      .poll(
        () =>
          smtp.messages.some(
            (m) =>
              m.subject === subject && (m.attachments ?? []).some((a) => a.contentType === 'application/pdf'),
          ),
        { timeout: 60_000 },
      )
      .toBe(true);
    await sentRow.first().click();
    await shot(page, 'outbox');
    await expectAccessible(page, 'outbox');

    // 6. Open the case timeline.
    await until(
      async () =>
        (await count(
          `SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND type = 'letterSent'`,
          [caseId],
        )) > 0,
      90_000,
      'the letter on the case timeline, in the read model',
    );
    await page.getByRole('link', { name: 'Cases' }).click();
    await page.locator('table.table').waitFor();
    await shot(page, 'cases');
    await expectAccessible(page, 'cases');
    await page.getByRole('searchbox').fill(pupil.split(' ')[0]!);
    // The pupil's own case (two pupils can share a name): its link, found by the case it opens.
    await page.locator(`a[href="/cases/${encodeURIComponent(caseId)}"]`, { hasText: pupil }).click();
    await page.getByRole('heading', { name: 'Timeline' }).waitFor({ timeout: 60_000 });
    await page.locator('.tl-letterSent').first().waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'Next scheduled action' }).waitFor();
    await expect
      .poll(() => page.locator('.chart svg .threshold').count(), { timeout: 60_000 })
      .toBeGreaterThan(1);
    // Penalty notices, per parent: none yet for a case whose letter has only just gone.
    await page.getByRole('heading', { name: 'Penalty notices' }).waitFor();
    await page.getByText(/^No penalty notice has been requested for /).waitFor();
    await shot(page, 'case');
    await expectAccessible(page, 'case');

    await page.getByRole('link', { name: 'Policies' }).click();
    await page.locator('#policy-title').waitFor();
    await page
      .getByLabel('…or paste it')
      .fill(
        'id: Oakwood Policy\nname: Oakwood\nversion: 2\nstages:\n  - id: stage-one\n    name: Stage One\n    entry:\n      - attendance: { window: rolling10, below: 95 }\n',
      );
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText(/problem\(s\):/).waitFor();
    await shot(page, 'policies');
    await expectAccessible(page, 'policies');

    // 6b. The daily round: a call to make (a phone step approved), My work with safeguarding first and
    // the call done in one click, a bulk approval with a stale step, an outcome dated in the future.
    await approveAPhoneStep(page);
    await page.getByRole('link', { name: 'My work' }).click();
    await workMyDay(page);
    await shot(page, 'my-work');
    await expectAccessible(page, 'my-work');
    await bulkApproveWithAStaleStep(page, base);
    await shot(page, 'approvals-bulk');
    await refuseAFutureOutcome(page, base, caseId, schoolDateAt(Date.now(), 'Europe/London'));
    await signOut(page);

    // 7. Read the dashboard, as the demo manager.
    await signIn(page, accounts.manager!.email, accounts.manager!.password);
    await expect.poll(() => page.url(), { timeout: 60_000 }).toMatch(/\/dashboard$/);
    await page.getByText('Persistent absence').first().waitFor();
    const openCases = Number(
      await page.locator('.tile', { hasText: 'Open cases' }).locator('.tile-value').textContent(),
    );
    expect(openCases).toBeGreaterThan(10);
    await page.getByRole('heading', { name: 'Cases by stage' }).waitFor();
    await shot(page, 'dashboard');
    await expectAccessible(page, 'dashboard');
    // The pages the journey does not otherwise walk through, checked for accessibility too.
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
    await expectAccessible(page, 'tasks');
    await page.getByRole('link', { name: 'Contact changes' }).click();
    await page.getByRole('heading', { name: 'Contact changes', level: 1 }).waitFor();
    await expectAccessible(page, 'contact changes');
    const pupilId = (
      (await (await page.request.get(`${base}/api/cases/${encodeURIComponent(caseId)}`)).json()) as {
        pupil: { id: string };
      }
    ).pupil.id;
    await page.goto(`${base}/pupils/${pupilId}`);
    await page.getByRole('heading', { name: 'Attendance this school year' }).waitFor({ timeout: 60_000 });
    await expectAccessible(page, 'pupil');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.locator('table').waitFor();
    // The log reads as sentences with the pupil's name: the letter approved above is one of them.
    await page.getByLabel('Show').selectOption('approval.');
    await page
      .locator('td', { hasText: /approved .+ for \S+ \S+/ })
      .first()
      .waitFor();
    await shot(page, 'audit');
    await expectAccessible(page, 'audit');

    // 8. The returns the law asks for: the 10-day return, exported as CSV by the manager.
    await page.getByRole('link', { name: 'Returns' }).click();
    await page
      .getByRole('heading', { name: 'Return: 10 continuous school days of unauthorised absence' })
      .waitFor({ timeout: 60_000 });
    const csvHref = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    const csv = await page.request.get(`${base}${csvHref}`);
    expect(csv.status()).toBe(200);
    expect((await csv.text()).split('\n')[0]).toBe(
      'UPN,Pupil,Year,First day,Last day,School days,Still absent',
    );
    await shot(page, 'returns');
    await expectAccessible(page, 'returns');
    await page.getByRole('button', { name: 'Termly awards' }).click();
    await page.getByRole('heading', { name: /^Termly attendance awards/ }).waitFor({ timeout: 60_000 });

    // 9. The evidence pack for the approved letter's case: a draft, then approved and signed off.
    await page.goto(`${base}/cases/${encodeURIComponent(caseId)}`);
    await page.getByRole('heading', { name: 'Evidence pack' }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Generate a draft pack' }).click();
    await page.getByRole('button', { name: 'Approve for the referral' }).click({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Approve and sign off' }).click();
    await page
      .getByText(/^Approved for the referral by Morgan Manager/)
      .first()
      .waitFor({ timeout: 60_000 });
    await shot(page, 'evidence');
    await expectAccessible(page, 'evidence');
    await page.context().close();
  }, 600_000);

  it('keeps an officer of school A out of school B (the demo school): 404 for its pupils and cases', async () => {
    const page = await newPage();
    await signIn(page, ADMIN.email, ADMIN.password);
    const req = page.request;
    const csrf = (await (await req.get(`${base}/api/auth/me`)).json()).csrfToken as string;
    const calendar = {
      school: '100001',
      name: 'Alder Primary',
      lessonsPerDay: 5,
      terms: [{ name: 'Autumn', start: '2026-09-07', end: '2026-12-18' }],
      closures: [],
    };
    expect(
      (
        await req.post(`${base}/api/imports?wait=true`, {
          data: { schoolId: '100001', calendar },
          headers: { 'x-csrf-token': csrf },
        })
      ).status(),
    ).toBe(201);
    const created = await req.post(`${base}/api/users`, {
      data: {
        email: 'officer.a@alder.example.org',
        displayName: 'Officer A',
        role: 'officer',
        schoolIds: ['100001'],
        password: 'officer a password',
      },
      headers: { 'x-csrf-token': csrf },
    });
    expect(created.status()).toBe(201);
    const demoCase = (await (await req.get(`${base}/api/cases?pageSize=1`)).json()).cases[0];
    expect(demoCase).toBeTruthy();
    await page.context().close();

    const officer = await newPage();
    await signIn(officer, 'officer.a@alder.example.org', 'officer a password');
    for (const url of [
      `/api/pupils/${demoCase.pupil.id}`,
      `/api/cases/${encodeURIComponent(demoCase.caseId)}`,
      `/api/dashboard?schoolId=${demoCase.schoolId}`,
      `/api/cases?schoolId=${demoCase.schoolId}`,
    ]) {
      const res = await officer.request.get(`${base}${url}`);
      expect([403, 404], url).toContain(res.status());
    }
    const list = await (await officer.request.get(`${base}/api/cases`)).json();
    expect(list.total).toBe(0);
    await officer.goto(`${base}/cases/${encodeURIComponent(demoCase.caseId)}`);
    await officer.getByText('This case cannot be shown.').waitFor();
    await officer.context().close();
  }, 120_000);

  it('makes a school calendar in the editor, prefilled for England, and the import accepts it', async () => {
    const page = await newPage();
    // A set-up link that is no longer good says so, accessibly.
    await page.goto(`${base}/setup?token=not-a-real-token`);
    await page.getByText('This link cannot be used.').waitFor();
    await expectAccessible(page, 'set-up link');
    await signIn(page, ADMIN.email, ADMIN.password);
    await useCalendarEditor(page, base);
    await shot(page, 'calendar-editor');
    await expectAccessible(page, 'imports with the calendar editor');
    await page.context().close();
  }, 180_000);
});
