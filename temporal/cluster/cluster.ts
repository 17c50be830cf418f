// The production shape on one machine: a PostgreSQL server (our own, or DATABASE_URL's), Temporal's
// schemas set up and migrated on it, and the four Temporal services as separate processes. Used by
// `npm run start:cluster` (scripts/start-cluster.ts), the cluster smoke test and the fault tests.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import pg from 'pg';
import { provisionClusterServer, type ClusterBinaries } from './provision';
import { startLocalPostgres, type LocalPostgres } from './postgres';
import { setupTemporalSchemas, temporalDatabasesFrom, type TemporalDatabases } from './schema';
import {
  DEFAULT_PORTS,
  prepareNamespace,
  startTemporalServices,
  type ClusterPorts,
  type TemporalService,
  type TemporalServices,
} from './services';

export const DYNAMIC_CONFIG_FILE = fileURLToPath(
  new URL('../../config/temporal/dynamicconfig.yaml', import.meta.url),
);

/** The app's own database on the same PostgreSQL server as Temporal's. */
export const APP_DATABASE = 'attendance';

export interface LocalClusterOptions {
  /** Logs, and our own PostgreSQL's data (kept between runs): `${dataDir}/postgres`, `${dataDir}/logs`. */
  dataDir: string;
  /**
   * The app's database on a PostgreSQL server to use instead of starting one (DATABASE_URL). Temporal's
   * two databases are created beside it, so its role must be allowed to create databases.
   */
  databaseUrl?: string;
  /** The port our own PostgreSQL listens on (default 54330). */
  postgresPort?: number;
  ports?: ClusterPorts;
  namespace?: string;
  logLevel?: string;
  log?: (m: string) => void;
  onUnexpectedExit?: (name: TemporalService, code: number | null, signal: string | null) => void;
}

export interface LocalCluster {
  /** host:port of the frontend, for TEMPORAL_ADDRESS. */
  address: string;
  namespace: string;
  /** The app's database (postgres://.../attendance), for DATABASE_URL. */
  appDatabaseUrl: string;
  bins: ClusterBinaries;
  dbs: TemporalDatabases;
  postgres: LocalPostgres | null;
  services: TemporalServices;
  logDir: string;
  stop(): Promise<void>;
}

export async function startLocalCluster(opts: LocalClusterOptions): Promise<LocalCluster> {
  const log = opts.log ?? (() => {});
  const bins = await provisionClusterServer(log);
  const postgres = opts.databaseUrl
    ? null
    : await startLocalPostgres(join(opts.dataDir, 'postgres'), opts.postgresPort ?? 54330);
  const serverUrl = opts.databaseUrl ?? postgres!.url;
  try {
    const dbs = temporalDatabasesFrom(serverUrl);
    await setupTemporalSchemas(bins, dbs, log);
    const appDatabaseUrl = opts.databaseUrl ?? (await ensureDatabase(serverUrl, APP_DATABASE));
    const logDir = join(opts.dataDir, 'logs');
    const services = await startTemporalServices({
      bins,
      dbs,
      ports: opts.ports ?? DEFAULT_PORTS,
      logDir,
      dynamicConfigFile: DYNAMIC_CONFIG_FILE,
      logLevel: opts.logLevel,
      onUnexpectedExit: opts.onUnexpectedExit,
    });
    const namespace = opts.namespace ?? 'default';
    try {
      await prepareNamespace(services.address, namespace);
    } catch (err) {
      await services.stop();
      throw err;
    }
    return {
      address: services.address,
      namespace,
      appDatabaseUrl,
      bins,
      dbs,
      postgres,
      services,
      logDir,
      stop: async () => {
        await services.stop();
        await postgres?.stop('fast');
      },
    };
  } catch (err) {
    await postgres?.stop('fast');
    throw err;
  }
}

/** Creates the database if it is not there; returns its URL. */
async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rows.length) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
