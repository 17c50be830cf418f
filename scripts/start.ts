// `npm start`: the whole product on one machine. Starts the Temporal dev server (unless
// TEMPORAL_ADDRESS points at one), then the app (API + worker in one process on the embedded
// database; separate worker and API processes with DATABASE_URL), prints where everything is,
// and stops every process it started on Ctrl-C.
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config/env';
import { devServerSearchAttributeArgs } from '../temporal/searchAttributes';
import { provisionTemporal, waitForPort } from '../temporal/provision';
import { processGroup } from './childProcesses';

const require = createRequire(import.meta.url);
const tsxCli = require.resolve('tsx/cli');
const group = processGroup();
const startChild = group.start;
const stopAll = group.stopAll;

async function main(): Promise<void> {
  const config = loadConfig();
  const dataDir = resolve(config.DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };

  let temporalUi: string | null = null;
  if (!config.TEMPORAL_ADDRESS) {
    const { cli } = await provisionTemporal({ only: 'cli', quiet: true });
    startChild(
      'temporal',
      cli,
      [
        'server',
        'start-dev',
        '--db-filename',
        join(dataDir, 'temporal.sqlite'),
        '--ip',
        '127.0.0.1',
        '--port',
        String(config.TEMPORAL_PORT),
        '--ui-port',
        String(config.TEMPORAL_UI_PORT),
        '--namespace',
        config.TEMPORAL_NAMESPACE,
        '--log-level',
        'warn',
        ...devServerSearchAttributeArgs(),
      ],
      env,
    );
    if (!(await waitForPort(config.TEMPORAL_PORT, 60_000))) {
      console.error(`The Temporal dev server did not open port ${config.TEMPORAL_PORT} within 60 s.`);
      await stopAll(1);
    }
    temporalUi = `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`;
  }

  // The embedded database (PGlite) can be opened by one process only: then the API process runs
  // the worker too (api/main.ts). With a PostgreSQL server the worker is a process of its own.
  if (config.DATABASE_URL) {
    startChild('worker', process.execPath, [tsxCli, 'worker/main.ts'], { ...env, EMBEDDED_WORKER: 'false' });
    startChild('api', process.execPath, [tsxCli, 'api/main.ts'], { ...env, EMBEDDED_WORKER: 'false' });
  } else {
    startChild('app', process.execPath, [tsxCli, 'api/main.ts'], env);
  }
  if (!(await waitForPort(config.API_PORT, 120_000, config.API_HOST))) {
    console.error(`The API did not open port ${config.API_PORT} within 120 s.`);
    await stopAll(1);
  }

  const base =
    config.PUBLIC_URL ??
    `http://${config.API_HOST === '0.0.0.0' ? '127.0.0.1' : config.API_HOST}:${config.API_PORT}`;
  console.log('');
  console.log('  Attendance intervention is running:');
  console.log(`    Web app      ${base}/`);
  console.log(`    API          ${base}/api  (docs: ${base}/api/docs, health: ${base}/health)`);
  console.log(`    Temporal UI  ${temporalUi ?? `(external server at ${config.TEMPORAL_ADDRESS})`}`);
  console.log(`    Data         ${dataDir}`);
  console.log('  Press Ctrl-C to stop.');
  console.log('');
}

main().catch(async (err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err));
  await stopAll(1);
});
