// Temporal's two databases on PostgreSQL (persistence and visibility), created, set up and migrated
// by Temporal's own SQL tool from the schemas of the server version we run. Idempotent: a database
// that exists is not created again, a schema already set up is only migrated, and migrating an
// up-to-date schema does nothing. Run before every start, so a newer server version migrates too.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import type { ClusterBinaries } from './provision';

export interface TemporalDatabases {
  /** Where PostgreSQL listens, and who Temporal connects as. */
  host: string;
  port: number;
  user: string;
  password: string;
  /** Default `temporal` and `temporal_visibility` (the names the server config defaults to). */
  persistence: string;
  visibility: string;
  /** A database to connect to while checking which exist (the URL's own; pg_database is shared). */
  adminDatabase: string;
}

export function temporalDatabasesFrom(url: string): TemporalDatabases {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password),
    persistence: 'temporal',
    visibility: 'temporal_visibility',
    adminDatabase: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
  };
}

export async function setupTemporalSchemas(
  bins: Pick<ClusterBinaries, 'sqlTool' | 'schemaDir'>,
  dbs: TemporalDatabases,
  log: (m: string) => void = () => {},
): Promise<void> {
  for (const [name, folder] of [
    [dbs.persistence, 'temporal'],
    [dbs.visibility, 'visibility'],
  ] as const) {
    const tool = (args: string[]) =>
      sqlTool(bins.sqlTool, [
        '--plugin',
        'postgres12',
        '--endpoint',
        dbs.host,
        '--port',
        String(dbs.port),
        '--user',
        dbs.user,
        '--password',
        dbs.password,
        '--database',
        name,
        ...args,
      ]);
    const state = await databaseState(dbs, name);
    if (state === 'absent') {
      log(`creating database ${name}`);
      await tool(['create-database']);
    }
    if (state !== 'versioned') {
      log(`setting up the ${folder} schema in ${name}`);
      await tool(['setup-schema', '-v', '0.0']);
    }
    await tool(['update-schema', '-d', join(bins.schemaDir, folder, 'versioned')]);
  }
}

/** Whether the database exists, and whether the SQL tool has set it up (it keeps a schema_version row). */
async function databaseState(
  dbs: TemporalDatabases,
  name: string,
): Promise<'absent' | 'empty' | 'versioned'> {
  const admin = new pg.Client({
    host: dbs.host,
    port: dbs.port,
    user: dbs.user,
    password: dbs.password,
    database: dbs.adminDatabase,
  });
  await admin.connect();
  try {
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rows.length) return 'absent';
  } finally {
    await admin.end();
  }
  const db = new pg.Client({
    host: dbs.host,
    port: dbs.port,
    user: dbs.user,
    password: dbs.password,
    database: name,
  });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'schema_version'`,
    );
    if (!rows[0]?.n) return 'empty';
    const v = await db.query('SELECT 1 FROM schema_version LIMIT 1');
    return v.rows.length ? 'versioned' : 'empty';
  } finally {
    await db.end();
  }
}

const SUBCOMMANDS = ['create-database', 'setup-schema', 'update-schema'];

function sqlTool(bin: string, args: string[]): Promise<void> {
  return new Promise((res, rej) => {
    execFile(bin, args, { timeout: 5 * 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return res();
      const tail = `${String(stderr)}\n${String(stdout)}`.trim().split('\n').slice(-4).join(' | ');
      const command = args.find((a) => SUBCOMMANDS.includes(a)) ?? '';
      rej(new Error(`temporal-sql-tool ${command} failed: ${tail}`));
    });
  });
}
