// `npm run start:cluster`: the production shape on one machine. A PostgreSQL server (our own in
// DATA_DIR/cluster/postgres, or DATABASE_URL's), Temporal's schemas set up and migrated on it, the
// Temporal server's four services as separate processes (4 history shards), two workers and the API,
// each a process of its own, with the app's data on the same PostgreSQL server. Ctrl-C stops
// everything; starting again finds every case where it was. docs/cluster.md explains the parts.
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config/env';
import { startLocalCluster, type LocalCluster } from '../temporal/cluster/cluster';
import { DEFAULT_PORTS } from '../temporal/cluster/services';
import { waitForPort } from '../temporal/provision';
import { processGroup } from './childProcesses';

const require = createRequire(import.meta.url);
const tsxCli = require.resolve('tsx/cli');
/** Workers polling the one task queue: any of them may die and the others carry every case on. */
const WORKERS = Number(process.env.CLUSTER_WORKERS ?? 2);

let cluster: LocalCluster | null = null;
const group = processGroup(async () => {
  await cluster?.stop();
});

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.TEMPORAL_ADDRESS)
    throw new ConfigError(
      'start:cluster runs its own Temporal cluster: unset TEMPORAL_ADDRESS (or use npm start).',
    );
  const dataDir = resolve(config.DATA_DIR);
  const clusterDir = join(dataDir, 'cluster');
  await mkdir(clusterDir, { recursive: true });
  const log = (m: string) => console.log(`cluster | ${m}`);

  log('starting PostgreSQL and the Temporal services (frontend, history, matching, worker)');
  cluster = await startLocalCluster({
    dataDir: clusterDir,
    databaseUrl: config.DATABASE_URL,
    postgresPort: Number(process.env.CLUSTER_POSTGRES_PORT ?? 54330),
    ports: { ...DEFAULT_PORTS, frontend: config.TEMPORAL_PORT },
    namespace: config.TEMPORAL_NAMESPACE,
    log,
    onUnexpectedExit: (name, code, signal) => {
      if (group.stopping) return;
      console.error(
        `Temporal ${name} service stopped unexpectedly (${signal ?? `exit ${code}`}); stopping everything.`,
      );
      void group.stopAll(1);
    },
  });
  log(`Temporal ${cluster.address} on PostgreSQL (logs in ${cluster.logDir})`);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    DATABASE_URL: cluster.appDatabaseUrl,
    TEMPORAL_ADDRESS: cluster.address,
    EMBEDDED_WORKER: 'false',
  };
  // Each process migrates the app's tables on opening; the migrations take a lock, so they may race.
  for (let i = 1; i <= WORKERS; i++) {
    group.start(`worker-${i}`, process.execPath, [tsxCli, 'worker/main.ts'], env);
  }
  group.start('api', process.execPath, [tsxCli, 'api/main.ts'], env);
  if (!(await waitForPort(config.API_PORT, 180_000, config.API_HOST))) {
    console.error(`The API did not open port ${config.API_PORT} within 180 s.`);
    await group.stopAll(1);
  }
  const base =
    config.PUBLIC_URL ??
    `http://${config.API_HOST === '0.0.0.0' ? '127.0.0.1' : config.API_HOST}:${config.API_PORT}`;
  console.log('');
  console.log('  Attendance intervention is running on a Temporal cluster:');
  console.log(`    Web app      ${base}/  (health: ${base}/health)`);
  console.log(`    Temporal     ${cluster.address}, PostgreSQL persistence, 4 history shards`);
  console.log(`                 temporal operator cluster describe --address ${cluster.address}`);
  console.log(`    Processes    frontend, history, matching, worker; ${WORKERS} app workers; the API`);
  console.log(`    Data         ${dataDir}`);
  console.log('  Press Ctrl-C to stop.');
  console.log('');
}

main().catch(async (err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err));
  await group.stopAll(1);
});
