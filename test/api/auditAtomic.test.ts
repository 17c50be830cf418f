// A decision is never recorded without its audit entry: the change and the entry are one
// transaction. Here the audit log refuses to take the entry (a fault the test plants in the
// database), and the change it would have recorded is not made either.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';
import { SCHOOL_A, seedTwoSchools } from './fixtures';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedTwoSchools>>;
let admin: Agent;
let officer: Agent;

/** Makes the audit log refuse entries of this action until the returned function is called. */
async function auditRefuses(action: string): Promise<() => Promise<void>> {
  await t.db.query(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.action = '${action}' THEN RAISE EXCEPTION 'the audit log is unavailable'; END IF; RETURN NEW; END $$`);
  await t.db.query(
    'CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()',
  );
  return async () => {
    await t.db.query('DROP TRIGGER refuse_audit ON audit_log');
    await t.db.query('DROP FUNCTION refuse_audit()');
  };
}

beforeAll(async () => {
  t = await makeTestApp({ now: () => Date.parse('2026-09-21T10:00:00Z') });
  seed = await seedTwoSchools(t.db);
  admin = await signIn(t.app, (await makeUser(t.db, 'admin', [SCHOOL_A])).email);
  officer = await signIn(t.app, (await makeUser(t.db, 'officer', [SCHOOL_A])).email);
}, 60_000);
afterAll(async () => t?.close());

describe('a change and its audit entry are one', () => {
  it('an account is not created when its creation cannot be audited', async () => {
    const restore = await auditRefuses('user.create');
    try {
      const res = await admin.post('/api/users', {
        email: 'new.officer@school.example.org',
        displayName: 'New Officer',
        role: 'officer',
        schoolIds: [SCHOOL_A],
      });
      expect(res.statusCode).toBe(500);
    } finally {
      await restore();
    }
    const { rows } = await t.db.query(`SELECT 1 FROM users WHERE email = 'new.officer@school.example.org'`);
    expect(rows).toEqual([]);
  });

  it('a first-day call is not stored when it cannot be audited, and is once the log is back', async () => {
    const call = { pupilId: seed.pupilA, absenceOn: '2026-09-21', outcome: 'reasonGiven' };
    const restore = await auditRefuses('return.first-day-call');
    try {
      expect((await officer.post('/api/returns/first-day-calls', call)).statusCode).toBe(500);
    } finally {
      await restore();
    }
    const stored = () => t.db.query(`SELECT 1 FROM first_day_calls WHERE pupil_id = $1::uuid`, [seed.pupilA]);
    expect((await stored()).rows).toEqual([]);

    expect((await officer.post('/api/returns/first-day-calls', call)).statusCode).toBe(200);
    expect((await stored()).rows).toHaveLength(1);
    const { rows } = await t.db.query(`SELECT 1 FROM audit_log WHERE action = 'return.first-day-call'`);
    expect(rows).toHaveLength(1);
  });
});
