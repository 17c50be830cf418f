// The officer's daily round in the browser journey: My work (safeguarding first, a task done in one
// click), a bulk approval that asks first and skips a step that changed since it was listed, and an
// outcome dated in the future refused with the reason.
import { expect } from 'vitest';
import type { Page } from 'playwright-core';

/** My work lists flagged pupils first, and a task's usual outcome is one click. */
export async function workMyDay(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'My work' }).waitFor();
  const items = page.locator('li.work-item');
  await items.first().waitFor({ timeout: 60_000 });
  const flags = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-safeguarding')));
  // Every flagged pupil's work comes before the rest.
  const firstUnflagged = flags.indexOf('false');
  expect(flags.slice(firstUnflagged === -1 ? flags.length : firstUnflagged)).not.toContain('true');

  // A decision opens on Approvals at that very step, where its letter is read before deciding.
  await page.getByLabel('Show').selectOption('approval');
  const decision = page.locator('li.work-item[data-type="approval"]').first();
  await decision.waitFor({ timeout: 60_000 });
  const step = (await decision.locator('.task-title').textContent())!.trim();
  const who = (await decision.locator('.small.muted a').first().textContent())!.trim();
  await decision.getByRole('link', { name: /^Read it and decide/ }).click();
  const opened = page.locator('.queue-item[aria-current="true"]');
  await expect
    .poll(async () => [await opened.locator('.queue-title').textContent(), await opened.textContent()], {
      timeout: 60_000,
    })
    .toEqual([step, expect.stringContaining(who)]);
  await page.getByRole('link', { name: 'My work' }).click();
  await page.getByRole('heading', { name: 'My work' }).waitFor();

  // A task done in one click: it leaves the list, and the page says what was recorded.
  await page.getByLabel('Show').selectOption('task');
  const task = page.locator('li.work-item[data-type="task"]', {
    has: page.getByRole('button', { name: /^Done: / }),
  });
  await task.first().waitFor({ timeout: 60_000 });
  const key = (await task.first().getAttribute('data-key'))!;
  const title = (await task.first().locator('.task-title').textContent())!.trim();
  await task
    .first()
    .getByRole('button', { name: /^Done: / })
    .click();
  // The outcome is an Update the case applies: on a loaded machine that can take well over 30 s.
  await page.getByText(new RegExp(`^Recorded: ${escape(title)} — `)).waitFor({ timeout: 120_000 });
  await expect
    .poll(() => page.locator(`li.work-item[data-key="${key}"]`).count(), { timeout: 60_000 })
    .toBe(0);
}

/**
 * Two steps chosen on the Approvals page; one is decided elsewhere before the bulk approval goes, so
 * the bulk approval approves one and skips the other, saying why.
 */
export async function bulkApproveWithAStaleStep(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/approvals`);
  const rows = page.locator('.queue-list li', {
    has: page.locator('input[type="checkbox"]:not([disabled])'),
  });
  await rows.nth(1).waitFor({ timeout: 60_000 });
  const chosen = [rows.nth(0), rows.nth(1)];
  for (const row of chosen) await row.locator('input[type="checkbox"]').check();
  // Someone else approves the first one meanwhile (the API, as a second tab would).
  const caseId = (await chosen[0]!.getAttribute('data-case-id'))!;
  const pending = (await (await page.request.get(`${base}/api/approvals`)).json()) as {
    items: { caseId: string; proposalId: string }[];
  };
  const first = pending.items.find((i) => i.caseId === caseId)!;
  const csrf = (await (await page.request.get(`${base}/api/auth/me`)).json()).csrfToken as string;
  const elsewhere = await page.request.post(
    `${base}/api/approvals/${encodeURIComponent(first.caseId)}/${first.proposalId}/decision`,
    { data: { decision: 'approve' }, headers: { 'x-csrf-token': csrf } },
  );
  expect(elsewhere.status()).toBe(200);

  await page.getByRole('button', { name: 'Approve 2 selected' }).click();
  const confirm = page.getByRole('group', { name: 'Confirm the approvals' });
  await confirm.getByText(/^Approve 2 steps\?/).waitFor();
  await expect
    .poll(() => confirm.locator('li').allTextContents())
    .toEqual(expect.arrayContaining([expect.stringMatching(/^\d+ × .+/)]));
  await confirm.getByRole('button', { name: 'Approve 2 steps' }).click();
  await page.getByText(/^1 step approved\. 1 step skipped: .+/).waitFor({ timeout: 60_000 });
}

/** An outcome dated in the future is refused, and the page says why. */
export async function refuseAFutureOutcome(
  page: Page,
  base: string,
  caseId: string,
  today: string,
): Promise<void> {
  await page.goto(`${base}/cases/${encodeURIComponent(caseId)}`);
  await page.getByRole('heading', { name: 'Record what happened' }).waitFor({ timeout: 60_000 });
  const future = new Date(Date.parse(`${today}T12:00:00Z`) + 90 * 86_400_000).toISOString().slice(0, 10);
  const form = page.locator('section', { has: page.getByRole('heading', { name: 'Record what happened' }) });
  await form.getByLabel(/^On/).fill(future);
  await form.getByRole('button', { name: 'Record outcome' }).click();
  await form.getByText(/is in the future: record what has happened, on the day it happened/).waitFor();
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
