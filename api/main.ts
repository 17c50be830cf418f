// The app process. With the embedded database (no DATABASE_URL) it is the API *and* the worker,
// sharing one Db: PGlite can be opened by one process only. With a PostgreSQL server the worker runs
// as its own process (`npm run worker`) and this is the API alone (EMBEDDED_WORKER=false forces that).
import { loadConfig, ConfigError } from '../config/env';
import { startDemoSchool } from './demo/start';
import { openDbFromEnv, type Db } from '../store/db';
import { connectClient } from '../temporal/connection';
import { DEMO_SCHOOL_ID } from './demo/demoSchool';
import { startEmbeddedWorker } from '../worker/embedded';
import { buildApp } from './app';
import { ensureFirstAdmin } from './auth/bootstrap';
import { ensureWebBuilt } from './webBuild';

function embeddedWorkerWanted(databaseUrl: string | undefined): boolean {
  const flag = (process.env.EMBEDDED_WORKER ?? '').trim().toLowerCase();
  if (flag !== '' && !['true', 'false', '1', '0', 'yes', 'no'].includes(flag)) {
    throw new ConfigError(`Invalid configuration:\n  EMBEDDED_WORKER: expected true or false, got "${flag}"`);
  }
  const off = flag === 'false' || flag === '0' || flag === 'no';
  return !off && !databaseUrl;
}

async function demoWanted(db: Db): Promise<boolean> {
  // Only on a fresh store, or one that already has the demo: never into a school's real data.
  const { rows } = await db.query<{ id: string }>('SELECT id FROM schools');
  return rows.length === 0 || rows.some((r) => r.id === DEMO_SCHOOL_ID);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const withWorker = embeddedWorkerWanted(config.DATABASE_URL);
  const db = await openDbFromEnv();
  const temporal = await connectClient(config, { signActors: true });
  const host = config.API_HOST === '0.0.0.0' ? '127.0.0.1' : config.API_HOST;
  const publicUrl = (config.PUBLIC_URL ?? `http://${host}:${config.API_PORT}`).replace(/\/$/, '');

  await ensureFirstAdmin(db, config, publicUrl);
  await ensureWebBuilt();

  const app = await buildApp({ temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, db, config, logger: true });
  await app.listen({ host: config.API_HOST, port: config.API_PORT });
  console.log(`[api] listening on http://${config.API_HOST}:${config.API_PORT}`);

  const worker = withWorker ? await startEmbeddedWorker({ config, db, temporalClient: temporal }) : null;
  if (worker)
    console.log(`[api] worker running in this process on task queue "${config.TEMPORAL_TASK_QUEUE}"`);

  if (config.DEMO_SCHOOL && (await demoWanted(db))) {
    const { demo, replaying, ready } = await startDemoSchool({ db, temporal, config });
    console.log('');
    console.log(
      `  Demo school: ${DEMO_SCHOOL_ID}, ${demo.summary.roster?.rows ?? 0} pupils, marks ${demo.marksFrom ?? '-'} to ${demo.marksTo ?? '-'}.`,
    );
    console.log(
      replaying
        ? '  Replaying its term up to yesterday through the real cases (a few minutes; the web app shows how far).'
        : '  Its sweep is running now: cases and approvals appear within a minute.',
    );
    console.log('  Demo accounts (also shown on the login page):');
    for (const a of demo.accounts) console.log(`    ${a.role.padEnd(8)} ${a.email}  password: ${a.password}`);
    console.log('  Set DEMO_SCHOOL=false to stop offering the demo school.');
    console.log('');
    ready
      .then((r) => {
        if (r)
          console.log(
            `[api] demo term replayed: ${r.schoolDays} school days (${r.from} to ${r.to}) in ${Math.round(r.wallSeconds)} s; ${r.moved} open cases carry on live`,
          );
      })
      .catch((err: unknown) =>
        console.warn(`[api] the demo school's replay or sweep failed: ${(err as Error).message}`),
      );
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await worker?.shutdown();
    await temporal.connection.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error('[api] failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
