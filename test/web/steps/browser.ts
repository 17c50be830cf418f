import { chromium, type Browser, type Page } from 'playwright-core';

// Debian's Chromium as the browser tests start it: headless, no sandbox (CI runs as root), and
// nothing that reaches the network on its own.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh page as a school's staff would have it: a laptop screen, English dates, London time. */
export async function newPageIn(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1366, height: 900 },
    locale: 'en-GB',
    timezoneId: 'Europe/London',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

/** Debian's Chromium (or CHROMIUM_PATH), started as every browser test starts it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}
