// A journey step: a school office makes its calendar in the calendar editor instead of writing
// JSON. On the Imports page, signed in as an administrator: a new school id, the editor opened, the
// prefilled English school year kept as it is (terms, half terms, INSET days, the bank holidays in
// term time), "Use this calendar", then Import, and the import's success message.
//
// The selectors are the page's own words: the heading "Calendar editor", the button "Use this
// calendar", and the editor's aria-live summary (which says "No problems found." when the calendar
// is ready). The form's labels are not matched by the journey's getByLabel(/^Calendar/), which
// finds the calendar file input.
import type { Page } from 'playwright-core';

/** The new school the calendar is imported for. */
export const CALENDAR_EDITOR_SCHOOL = { id: '100077', name: 'Northshire Primary' };

export async function useCalendarEditor(page: Page, base: string): Promise<void> {
  if (!new URL(page.url()).pathname.startsWith('/imports')) await page.goto(`${base}/imports`);
  await page.getByRole('heading', { name: 'Upload files' }).waitFor();

  // A new school: with schools already in the store, the school field is a list until asked.
  const schoolId = page.getByLabel('School id (URN)');
  if (!(await schoolId.isVisible())) await page.getByRole('button', { name: 'A new school…' }).click();
  await schoolId.fill(CALENDAR_EDITOR_SCHOOL.id);

  await page.getByRole('button', { name: 'Open the calendar editor' }).click();
  const editor = page.locator('.calendar-editor');
  await editor.getByRole('heading', { name: 'Calendar editor' }).waitFor();
  // A school new to the store has no name yet; everything else stays as prefilled.
  const name = editor.getByLabel('School name', { exact: true });
  if ((await name.inputValue()).trim() === '') await name.fill(CALENDAR_EDITOR_SCHOOL.name);
  const summary = editor.locator('[aria-live]');
  await summary.getByText(/No problems found\./).waitFor();

  await editor.getByRole('button', { name: 'Use this calendar' }).click();
  await page.getByText(/^Using the calendar from the editor: 3 terms, \d+ school days/).waitFor();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByText(/^Imported\. Calendar inserted\./).waitFor({ timeout: 60_000 });
}
