// WCAG 2.2 AA, checked by axe-core in the page the browser journey is on. A serious or critical
// violation fails the step with a message that says what and where; minor and moderate ones are
// logged (and returned to whoever wants them), not failed. A11Y_SOFT=1 logs the serious ones too,
// so one run can gather every page's findings at once.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** The WCAG A and AA rules, up to 2.2; axe's best-practice and experimental rules are not run. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const FAILING = new Set(['serious', 'critical']);
const TARGETS_SHOWN = 4;

interface AxeNode {
  target: unknown[];
  failureSummary?: string;
}
export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}

let axeSource: string | undefined;
function source(): string {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

async function inject(page: Page): Promise<void> {
  if (await page.evaluate(() => 'axe' in window)) return;
  const content = source();
  // The app's Content-Security-Policy (script-src 'self') refuses an inline <script>, as it should;
  // then the source is evaluated through the DevTools protocol, which the policy does not govern.
  await page.addScriptTag({ content }).catch(() => page.evaluate(content));
}

function report(v: AxeViolation): string {
  const targets = v.nodes
    .slice(0, TARGETS_SHOWN)
    .map((n) => n.target.map(String).join(' >>> '))
    .join(', ');
  const more = v.nodes.length > TARGETS_SHOWN ? ` (+${v.nodes.length - TARGETS_SHOWN} more)` : '';
  return `  [${v.impact ?? 'unknown'}] ${v.id}: ${v.help}\n      at ${targets}${more}\n      ${v.helpUrl}`;
}

/**
 * Runs axe-core's WCAG 2.2 A/AA rules on the page as it is now; throws on a serious or critical
 * violation, listing each (rule, what it asks, the first few elements). Logs the rest.
 */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await inject(page);
  const violations = await page.evaluate(async (tags) => {
    const axe = (
      window as unknown as {
        axe: { run(ctx: Document, opts: unknown): Promise<{ violations: unknown[] }> };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: tags, resultTypes: ['violations'] });
    // Only what the report needs crosses back: the raw result holds DOM-shaped objects.
    return JSON.parse(JSON.stringify(result.violations)) as unknown[];
  }, WCAG_TAGS);
  const all = violations as AxeViolation[];
  const failing = all.filter((v) => v.impact !== null && FAILING.has(v.impact));
  const rest = all.filter((v) => !failing.includes(v));
  if (rest.length > 0)
    console.warn(`accessibility, ${name}: ${rest.length} minor or moderate\n${rest.map(report).join('\n')}`);
  if (failing.length === 0) return;
  const message = `accessibility, ${name}: ${failing.length} serious or critical (WCAG 2.2 AA)\n${failing
    .map(report)
    .join('\n')}`;
  if (process.env.A11Y_SOFT === '1') console.warn(message);
  else throw new Error(message);
}
