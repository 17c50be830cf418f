// A newcomer's first run, as `npm start` gives it: the demo school is seeded and its term replayed
// through the real cases (api/demo/start.ts, the code npm start runs), the login page shows the
// demo accounts, the banner says how far the replay has got, and then the manager's dashboard has
// a past to show: cases at several stages, breakdowns, and whether interventions worked, with
// figures. A smaller demo school (240 pupils, 30 replayed school days) keeps it to a few minutes;
// the full demo's figures are in docs/demo.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client } from '@temporalio/client';
import { buildApp } from '../../api/app';
import { ensureWebBuilt } from '../../api/webBuild';
import { startDemoSchool, type DemoStart } from '../../api/demo/start';
import { DEMO_SCHOOL_ID } from '../../api/demo/demoSchool';
import { loadConfig } from '../../config/env';
import { openDb, type Db } from '../../store/db';
import { actorSigningInterceptor, loadActorKeys } from '../../temporal/actorClaims';
import { loadDataConverter } from '../../temporal/connection';
import { startEmbeddedWorker } from '../../worker/embedded';
import { startDevServer } from '../support/temporal';
import { expectAccessible } from './steps/a11y';
import { CHROMIUM_ARGS, newPageIn } from './steps/browser';

/** 5 school weeks, this week's days so far, and room for a bank holiday or an INSET day. */
const REPLAY_DAYS = 30;

let env: TestWorkflowEnvironment;
let db: Db;
let app: FastifyInstance;
let worker: { shutdown(): Promise<void> };
let browser: Browser;
let base: string;
let dataDir: string;
let started: DemoStart;
let replayOver = false;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'first-run-'));
  env = await startDevServer();
  db = await openDb({ inMemory: true });
  const config = loadConfig({
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: 'first-run',
    DEMO_SCHOOL: 'true',
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
    sessionSecret: 'first-run-secret-first-run-secret',
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  worker = await startEmbeddedWorker({ config, db, temporalClient: temporal });
  // Whether interventions worked is judged over the 4 school weeks after a step (the step's own week
  // left out), all of them complete by today: so the replay reaches back past 5 school weeks and this
  // week's days, whatever day of the week the test runs (22 days were too few on a Wednesday).
  started = await startDemoSchool({ db, temporal, config }, { pupils: 240, historyDays: REPLAY_DAYS });
  void started.ready.finally(() => (replayOver = true)).catch(() => undefined);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await started?.ready.catch(() => undefined);
  await worker?.shutdown();
  await app?.close();
  await env?.teardown();
  await db?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function newPage(): Promise<Page> {
  return newPageIn(browser);
}

describe('a first run of the product', () => {
  it('shows the demo accounts, the replay’s progress, and then a dashboard with a past', async () => {
    expect(started.replaying).toBe(true);
    const page = await newPage();
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Trying the demo school?' }).waitFor();
    await expectAccessible(page, 'login with the demo accounts');
    await page.getByRole('button', { name: 'Use the demo manager' }).click();
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Signing in hashes the password: slow on a busy machine.
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 60_000 });
    await expect.poll(() => page.url(), { timeout: 60_000 }).toMatch(/\/dashboard$/);
    // While the term is replayed (about two minutes here), the banner says how far it has got.
    if (!replayOver)
      await page
        .getByRole('status')
        .filter({
          hasText: new RegExp(
            `^Replaying Oakwood Academy \\(demo\\)’s term so far: \\d+ of ${REPLAY_DAYS} school days`,
          ),
        })
        .waitFor();

    const replayed = await started.ready;
    expect(replayed).toMatchObject({ schoolDays: REPLAY_DAYS });

    // The dashboard of a school some weeks in.
    await page.reload();
    await page.getByRole('heading', { name: 'Cases by stage' }).waitFor({ timeout: 60_000 });
    const dash = (await (
      await page.request.get(`${base}/api/dashboard?schoolId=${DEMO_SCHOOL_ID}`)
    ).json()) as {
      cases: { closed: number; byStage: { open: number }[] };
      approvals: { waiting: number };
    };
    expect(dash.cases.byStage.filter((s) => s.open > 0).length).toBeGreaterThanOrEqual(3);
    expect(dash.cases.closed).toBeGreaterThan(0);
    // Today's queue, not a term's.
    expect(dash.approvals.waiting).toBeLessThan(30);

    const breakdowns = page.locator('section', { has: page.getByRole('heading', { name: 'Breakdowns' }) });
    for (const caption of ['Year group', 'Special educational needs', 'Disadvantaged', 'Sex'])
      await breakdowns.locator('caption', { hasText: caption }).first().waitFor();
    await expect
      .poll(() => breakdowns.locator('tbody tr td').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringMatching(/^\d+(\.\d)?%$/)]));

    const effect = page.locator('[data-chart="intervention"]');
    await effect.waitFor();
    await effect.locator('svg[role="img"]').waitFor();
    // At least one stage or step with pupils counted, and its before and after figures.
    const counted = await effect
      .locator('tbody tr')
      .evaluateAll((rows) =>
        rows
          .map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent ?? ''))
          .filter((cells) => Number(cells[0]) > 0),
      );
    expect(counted.length).toBeGreaterThan(0);
    expect(counted[0]![1]).toMatch(/%$/);
    expect(counted[0]![2]).toMatch(/%$/);
    await page.locator('[data-chart="trend"]').waitFor();
    await expectAccessible(page, 'dashboard with a past');

    // The manager's day: work for flagged pupils first.
    await page.getByRole('link', { name: 'My work' }).click();
    await page.getByRole('heading', { name: 'My work' }).waitFor();
    await page.getByLabel('Only mine').uncheck();
    const items = page.locator('li.work-item');
    await items.first().waitFor({ timeout: 60_000 });
    const flags = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-safeguarding')));
    // The demo has pupils on child-protection and child-in-need plans among those with work waiting.
    expect(flags).toContain('true');
    const firstUnflagged = flags.indexOf('false');
    expect(flags.slice(firstUnflagged === -1 ? flags.length : firstUnflagged)).not.toContain('true');
    await expectAccessible(page, 'my work');
    await page.context().close();
  }, 1_200_000);
});
