// The storage suite runs on every available engine: PGlite always, a PostgreSQL server when
// TEST_DATABASE_URL is set (each test gets its own schema, dropped afterwards).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDb, type Db } from '../../store/db';

export interface Engine {
  name: 'pglite' | 'postgres';
  /**
   * A fresh, migrated, empty store. `poolSize` (server only, default 2) is how many statements can
   * run at once: tests of concurrent operations need one connection per operation, plus one.
   */
  open(options?: { poolSize?: number }): Promise<Db>;
  /** Closes the store and removes what it created. */
  dispose(db: Db): Promise<void>;
  /** Environment for a CLI child process pointing at the same store (null when in-memory). */
  env(db: Db): Record<string, string> | null;
  /**
   * A fresh store that child processes (the CLI) can open too: returns its environment and a
   * cleanup. PGlite allows one process at a time, so the caller must not hold it open meanwhile.
   */
  shared(): Promise<{ env: Record<string, string>; open(): Promise<Db>; cleanup(): Promise<void> }>;
}

const schemas = new WeakMap<Db, string>();

export function availableEngines(): Engine[] {
  const engines: Engine[] = [
    {
      name: 'pglite',
      open: () => openDb({ inMemory: true }),
      dispose: (db) => db.close(),
      env: () => null,
      async shared() {
        const dir = mkdtempSync(join(tmpdir(), 'attendance-store-'));
        await (await openDb({ dataDir: dir })).close();
        return {
          env: { DATA_DIR: dir },
          open: () => openDb({ dataDir: dir }),
          cleanup: async () => rmSync(dir, { recursive: true, force: true }),
        };
      },
    },
  ];
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    engines.push({
      name: 'postgres',
      async open(options) {
        const schema = `test_store_${process.pid}_${randomBytes(4).toString('hex')}`;
        const db = await openDb({ databaseUrl: url, schema, poolSize: options?.poolSize ?? 2 });
        schemas.set(db, schema);
        return db;
      },
      async dispose(db) {
        await db.close();
        const schema = schemas.get(db);
        if (!schema) return;
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      },
      env: (db) => ({ DATABASE_URL: withSearchPath(url, schemas.get(db)!) }),
      async shared() {
        const db = await this.open();
        const schema = schemas.get(db)!;
        await db.close();
        const env = { DATABASE_URL: withSearchPath(url, schema) };
        return {
          env,
          open: () => openDb({ databaseUrl: url, schema, poolSize: 2 }),
          cleanup: () => this.dispose(Object.assign(db, { close: async () => undefined })),
        };
      },
    });
  }
  return engines;
}

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}
