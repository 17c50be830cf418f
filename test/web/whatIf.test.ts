// The What-if page in a real browser (Debian's Chromium): a manager of a school with eight families
// tries the three-letter system beside Bradford's policy over the last weeks of the autumn term,
// watches it run, and reads both policies' charts and the pupils who would take another route. The
// run needs no Temporal server (the case code runs in process on the server's own thread).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { ensureWebBuilt } from '../../api/webBuild';
import { makeTestApp, makeUser, PASSWORD, type TestApp } from '../api/helpers';
import { SCHOOL_ID } from '../workflows/harness';
import { seedSchool } from '../workflows/whatIfSchool';
import { expectAccessible } from './steps/a11y';
import { launchChromium, newPageIn } from './steps/browser';

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

let t: TestApp;
let app: FastifyInstance;
let browser: Browser;
let base: string;
let managerEmail: string;
let officerEmail: string;

beforeAll(async () => {
  expect(await ensureWebBuilt(() => undefined)).toBe(true);
  t = await makeTestApp({ serveWeb: true });
  app = t.app;
  await seedSchool(t.db);
  managerEmail = (await makeUser(t.db, 'manager', [SCHOOL_ID])).email;
  officerEmail = (await makeUser(t.db, 'officer', [SCHOOL_ID])).email;
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function signedIn(email: string) {
  const page = await newPageIn(browser);
  await page.goto(`${base}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 60_000 });
  return page;
}

describe('the What-if page', () => {
  it('is not in an officer’s menu', async () => {
    const page = await signedIn(officerEmail);
    await expect(page.getByRole('link', { name: 'What-if' }).count()).resolves.toBe(0);
    await page.goto(`${base}/what-if`);
    await page.getByText('This page is for managers and administrators').waitFor();
    await page.context().close();
  });

  it('compares two policies: both charts, and the pupils whose route differs', async () => {
    const page = await signedIn(managerEmail);
    await page.getByRole('link', { name: 'What-if' }).click();
    await page.getByRole('heading', { name: 'What-if', level: 1 }).waitFor();
    await page.getByRole('combobox', { name: /^Policy/ }).selectOption('three-letter-system');
    await page.getByRole('combobox', { name: /^Compare with/ }).selectOption('bradford-staged-intervention');
    await page.getByLabel('From', { exact: true }).fill('2025-11-17');
    await page.getByLabel('To', { exact: true }).fill('2025-12-19');
    await expectAccessible(page, 'what-if form');
    await page.getByRole('button', { name: 'Run the what-if' }).click();

    // It runs on the server with progress, then shows the results: waited for, never timed.
    await page
      .getByRole('heading', { name: /pupils would take a different route/ })
      .waitFor({ timeout: 540_000 });
    expect(page.url()).toMatch(/\/what-if\?run=[0-9a-f-]{36}$/);

    const totals = page.getByRole('table').first();
    await expect(totals.getByRole('columnheader').allTextContents()).resolves.toEqual([
      'In total',
      'Three-letter system (local authority)',
      'Bradford staged intervention',
    ]);
    // Letter 1 for six families, then six Letter 2 meetings in the last week of term.
    await expect(
      totals
        .getByRole('row', { name: /^Meetings/ })
        .getByRole('cell')
        .allTextContents(),
    ).resolves.toEqual(['6', '6']);
    // Four charts, each with both policies' columns and its figures as a table.
    for (const title of [
      'Letters and invitations',
      'Meetings and home visits',
      'Referrals to the council',
      'Staff hours',
    ]) {
      const chart = page.getByRole('img', { name: `${title}, week by week` });
      await chart.waitFor();
      expect(await chart.locator('rect.col.tone-1').count()).toBe(5); // five school weeks
      expect(await chart.locator('rect.col.tone-5').count()).toBe(5);
    }
    const legend = page.locator('.legend').first();
    await expect(legend.textContent()).resolves.toMatch(/Three-letter system.*Bradford staged intervention/);

    const differing = page.getByRole('table').last();
    const names = await differing.locator('tbody tr td:first-child').allTextContents();
    expect(names).toContain('Ben Lewis');
    expect(names).not.toContain('Harry Owen'); // there every day: no case under either
    const ben = differing.getByRole('row', { name: /Ben Lewis/ });
    await expect(ben.textContent()).resolves.toMatch(
      /no case is opened; under Bradford staged intervention the case is at Stage One/,
    );
    await expectAccessible(page, 'what-if results');
    await page.screenshot({ path: join(SHOTS, 'what-if.png'), fullPage: true });

    // A reload finds the same run (its id is in the address).
    await page.reload();
    await page.getByRole('heading', { name: /pupils would take a different route/ }).waitFor();
    await page.context().close();
  }, 600_000);
});
