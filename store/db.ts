// The attendance store's one door to PostgreSQL. Two engines speak the same dialect:
// embedded PGlite (a real PostgreSQL compiled to WASM, in-process) by default, and a
// PostgreSQL server through `pg` when DATABASE_URL is set. Everything above this file sees `Db`.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite, type Transaction as PGliteTransaction } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate } from './migrate';
import type { MemoryStore } from './memory/memoryStore';

export interface QueryResult<T> {
  rows: T[];
}

export interface Db {
  readonly engine: 'pglite' | 'postgres' | 'memory';
  /**
   * Set only on a what-if's store held in memory (memoryDb): the store functions a case's
   * activities call hand over to it instead of running SQL.
   */
  readonly memory?: MemoryStore;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs `fn` in a transaction (a savepoint when already inside one); rolls back if it throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** A PostgreSQL server URL; when absent, the embedded PGlite engine is used. */
  databaseUrl?: string;
  /** PGlite data lives in `${dataDir}/pglite` (default `./data`). */
  dataDir?: string;
  /** PGlite only: keep everything in memory (tests, benchmarks). */
  inMemory?: boolean;
  /** Server only: use (and create) this schema via search_path, so tests can isolate themselves. */
  schema?: string;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /** Server pool size (default 4). */
  poolSize?: number;
}

/** Options from the environment: DATABASE_URL selects the server, otherwise DATA_DIR (default ./data). */
export function dbOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): OpenDbOptions {
  const databaseUrl = env.DATABASE_URL?.trim();
  return databaseUrl ? { databaseUrl } : { dataDir: env.DATA_DIR?.trim() || './data' };
}

export async function openDb(options: OpenDbOptions = {}): Promise<Db> {
  const db = options.databaseUrl ? await openServer(options) : await openPglite(options);
  if (options.migrate !== false) {
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}

/** Opens the store the CLI and services use: DATABASE_URL or DATA_DIR from the environment. */
export function openDbFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Db> {
  return openDb(dbOptionsFromEnv(env));
}

// ---------------------------------------------------------------------------------------------
// In memory (a what-if run, docs/what-if.md)

/**
 * A store held in memory. It speaks no SQL: only the store functions a case's activities and the
 * what-if driver call have a memory version (they check `db.memory` first), and any other call fails
 * loudly, naming its statement, rather than answering wrongly.
 */
export function memoryDb(store: MemoryStore): Db {
  const inside: Db = {
    engine: 'memory',
    memory: store,
    query: (sql) => Promise.reject(noSql(sql)),
    transaction: (fn) => fn(inside),
    close: () => Promise.reject(new Error('cannot close the database from inside a transaction')),
  };
  return {
    engine: 'memory',
    memory: store,
    query: (sql) => Promise.reject(noSql(sql)),
    // One transaction at a time: a booker reads the free slots and takes one with nobody between.
    transaction: (fn) => store.serialise(() => fn(inside)),
    close: () => Promise.resolve(),
  };
}

function noSql(sql: string): Error {
  return new Error(
    `the in-memory store runs no SQL; this store function has no memory version: ${sql.replace(/\s+/g, ' ').slice(0, 120)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// PGlite

async function openPglite(options: OpenDbOptions): Promise<Db> {
  let lite: PGlite;
  if (options.inMemory) {
    lite = await PGlite.create();
  } else {
    const dir = resolve(join(options.dataDir ?? './data', 'pglite'));
    mkdirSync(dir, { recursive: true });
    lite = await PGlite.create(dir);
  }
  return pgliteDb(lite);
}

type PgliteQueryable = Pick<PGlite, 'query'> | PGliteTransaction;

function pgliteDb(lite: PGlite): Db {
  return {
    engine: 'pglite',
    query: (sql, params) => pgliteQuery(lite, sql, params),
    transaction: (fn) => lite.transaction((tx) => fn(pgliteTxDb(tx, 0))),
    close: () => lite.close(),
  };
}

function pgliteTxDb(tx: PGliteTransaction, depth: number): Db {
  return {
    engine: 'pglite',
    query: (sql, params) => pgliteQuery(tx, sql, params),
    transaction: (fn) => withSavepoint(tx.query.bind(tx), depth, () => fn(pgliteTxDb(tx, depth + 1))),
    close: () => Promise.reject(new Error('cannot close the database from inside a transaction')),
  };
}

async function pgliteQuery<T>(on: PgliteQueryable, sql: string, params?: unknown[]): Promise<QueryResult<T>> {
  const result = await on.query<T>(sql, params);
  return { rows: result.rows };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL server

async function openServer(options: OpenDbOptions): Promise<Db> {
  const schema = options.schema;
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 4,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => undefined);
  if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  return {
    engine: 'postgres',
    query: (sql, params) => serverQuery(pool, sql, params),
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(serverTxDb(client, 0));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

function serverTxDb(client: pg.PoolClient, depth: number): Db {
  return {
    engine: 'postgres',
    query: (sql, params) => serverQuery(client, sql, params),
    transaction: (fn) =>
      withSavepoint(
        (sql) => client.query(sql),
        depth,
        () => fn(serverTxDb(client, depth + 1)),
      ),
    close: () => Promise.reject(new Error('cannot close the database from inside a transaction')),
  };
}

async function serverQuery<T>(
  on: pg.Pool | pg.PoolClient,
  sql: string,
  params?: unknown[],
): Promise<QueryResult<T>> {
  const result = await on.query(sql, params?.map(toServerParam));
  return { rows: result.rows as T[] };
}

// node-postgres sends Buffers as binary parameters but would turn a bare Uint8Array into an array literal.
function toServerParam(value: unknown): unknown {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return value;
}

async function withSavepoint<T>(
  exec: (sql: string) => Promise<unknown>,
  depth: number,
  fn: () => Promise<T>,
): Promise<T> {
  const name = `sp_${depth}`;
  await exec(`SAVEPOINT ${name}`);
  try {
    const result = await fn();
    await exec(`RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (err) {
    await exec(`ROLLBACK TO SAVEPOINT ${name}`);
    throw err;
  }
}
