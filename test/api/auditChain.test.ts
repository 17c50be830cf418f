// An audit trail a council would accept: the database refuses to change or delete an entry, and the
// hash chain finds an entry changed or removed by someone who got round that (the database's owner
// switching the guard off). Checked through the API and by `attendance audit verify`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain, type AuditChainReport } from '../../api/auth/audit';
import { openDb, type Db } from '../../store/db';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';

let t: TestApp;
let adminAll: Agent;

beforeAll(async () => {
  t = await makeTestApp();
  adminAll = await signIn(t.app, (await makeUser(t.db, 'admin', [], { allSchools: true })).email);
  // A few account changes: each one an audit entry.
  for (const n of [1, 2, 3])
    await adminAll.post('/api/users', {
      email: `officer.${n}@chain.example.org`,
      displayName: `Officer ${n}`,
      role: 'officer',
      schoolIds: ['100001'],
    });
});
afterAll(async () => t?.close());

const verify = async () => {
  const res = await adminAll.get('/api/audit/verify');
  expect(res.statusCode).toBe(200);
  return res.json<AuditChainReport>();
};

/** What the database's owner could do: switch the guard off, change the log, switch it on. */
async function behindTheAppsBack(db: Db, sql: string, params: unknown[] = []) {
  await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
  try {
    await db.query(sql, params);
  } finally {
    await db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
  }
}

describe('the audit log', () => {
  it('chains every entry to the one before it, and the chain holds', async () => {
    const report = await verify();
    expect(report.entries).toBeGreaterThanOrEqual(4); // the sign-in and three accounts
    expect(report).toMatchObject({ intact: true, problems: [] });
  });

  it('is append-only: the database refuses to change, delete or empty it', async () => {
    for (const sql of [
      `UPDATE audit_log SET action = 'nothing.happened' WHERE id = 1`,
      'DELETE FROM audit_log WHERE id = 1',
      'TRUNCATE audit_log',
    ])
      await expect(t.db.query(sql)).rejects.toThrow(/the audit log is append-only/);
  });

  it('finds an entry edited behind the application’s back, naming it', async () => {
    const { rows } = await t.db.query<{ id: string }>(
      `SELECT id::text AS id FROM audit_log WHERE action = 'user.create' ORDER BY id LIMIT 1`,
    );
    const edited = Number(rows[0]!.id);
    await behindTheAppsBack(t.db, `UPDATE audit_log SET details = '{"role":"admin"}' WHERE id = $1`, [
      edited,
    ]);
    expect((await verify()).problems).toEqual([
      { id: edited, problem: 'changed since it was written (its hash does not match)' },
    ]);
  });

  it('finds an entry deleted behind the application’s back, by the broken link after it', async () => {
    const fresh = await openDb({ inMemory: true });
    try {
      for (const a of ['one', 'two', 'three'])
        await fresh.query(`INSERT INTO audit_log (action) VALUES ($1)`, [a]);
      await behindTheAppsBack(fresh, `DELETE FROM audit_log WHERE action = 'two'`);
      const report = await verifyAuditChain(fresh);
      expect(report).toMatchObject({ entries: 2, intact: false });
      expect(report.problems).toEqual([
        { id: 3, problem: 'the entry before it was removed or changed (the link to it is broken)' },
      ]);
    } finally {
      await fresh.close();
    }
  });

  it('is checked by `attendance audit verify`, which exits 1 naming the entry when the chain is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-'));
    const run = (args: string[]) =>
      execFileSync('npx', ['tsx', 'scripts/attendance.ts', ...args], {
        env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    try {
      expect(run(['audit', 'verify'])).toMatch(/^Audit log: 0 entries; the hash chain is intact\./);
      // Three entries, the second edited behind the application's back.
      const db = await openDb({ dataDir: dir });
      for (const a of ['one', 'two', 'three'])
        await db.query(`INSERT INTO audit_log (action) VALUES ($1)`, [a]);
      await behindTheAppsBack(db, `UPDATE audit_log SET action = 'nothing' WHERE action = 'two'`);
      await db.close();
      const broken = (() => {
        try {
          run(['audit', 'verify']);
          return null;
        } catch (err) {
          return err as { status: number; stderr: string };
        }
      })();
      expect(broken?.status).toBe(1);
      expect(broken?.stderr).toMatch(
        /3 entries; the hash chain is BROKEN:\n {2}entry 2: changed since it was written/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('is checked only by an administrator of every school', async () => {
    const scoped = await signIn(t.app, (await makeUser(t.db, 'admin', ['100001'])).email);
    expect((await scoped.get('/api/audit/verify')).statusCode).toBe(403);
    const manager = await signIn(t.app, (await makeUser(t.db, 'manager', ['100001'])).email);
    expect((await manager.get('/api/audit/verify')).statusCode).toBe(403);
  });
});
