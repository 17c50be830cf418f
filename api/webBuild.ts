// The web app is built to web/dist by `npm run build:web`. When it is missing (a fresh checkout),
// the API builds it on start with Vite — offline, nothing is fetched — so `npm start` always serves it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WEB_DIST } from './app';

export const WEB_CONFIG = fileURLToPath(new URL('../web/vite.config.ts', import.meta.url));

export async function ensureWebBuilt(log: (line: string) => void = console.log): Promise<boolean> {
  if (existsSync(`${WEB_DIST}index.html`)) return true;
  if (!existsSync(WEB_CONFIG)) return false;
  log('[api] web/dist is missing: building the web app (once)…');
  try {
    const vite = await import('vite');
    await vite.build({ configFile: WEB_CONFIG, logLevel: 'warn' });
    return existsSync(`${WEB_DIST}index.html`);
  } catch (err) {
    log(
      `[api] could not build the web app (${err instanceof Error ? err.message : String(err)}); run \`npm run build:web\`. The API still runs.`,
    );
    return false;
  }
}
