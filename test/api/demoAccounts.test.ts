// A newcomer starting the product for the first time finds the demo school's accounts on the login
// page, with passwords that stay the same from one start to the next, and signs in with them. The
// page shows them only while the demo is on, and never a password that no longer opens the account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDemoSchool } from '../../api/demo/seed';
import { hashPassword } from '../../api/auth/passwords';
import { getUserByEmail, updateUser } from '../../api/auth/users';
import { makeTestApp, signIn, type TestApp } from './helpers';

const TODAY = '2026-11-30';
let t: TestApp;
let dataDir: string;

const shown = async (app = t) =>
  (await app.app.inject({ method: 'GET', url: '/api/auth/demo-accounts' })).json().accounts as {
    role: string;
    email: string;
    password: string;
  }[];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'demo-accounts-'));
  t = await makeTestApp({ env: { DATA_DIR: dataDir, DEMO_SCHOOL: 'true' } });
}, 60_000);
afterAll(async () => t?.close());

describe('the demo school’s accounts on the login page', () => {
  it('shows none before the demo school exists', async () => {
    expect(await shown()).toEqual([]);
  });

  it('shows the officer and the manager once it is imported; signed out, their passwords sign in', async () => {
    const first = await seedDemoSchool(t.db, { today: TODAY, pupils: 20, dataDir });
    const accounts = await shown();
    expect(accounts.map((a) => a.role)).toEqual(['officer', 'manager']);
    expect(accounts.map((a) => a.password)).toEqual(first.accounts.map((a) => a.password));
    for (const a of accounts) {
      const agent = await signIn(t.app, a.email, a.password);
      const me = (await agent.get('/api/auth/me')).json();
      expect(me.user).toMatchObject({ email: a.email, role: a.role, schoolIds: ['demo-oakwood'] });
    }
    expect(statSync(join(dataDir, 'secrets', 'demo-officer.password')).mode & 0o777).toBe(0o600);
  });

  it('keeps the same passwords when the demo is imported again (the next start)', async () => {
    const before = await shown();
    const again = await seedDemoSchool(t.db, { today: TODAY, pupils: 20, dataDir });
    expect(again.accounts.map((a) => a.password)).toEqual(before.map((a) => a.password));
    expect(await shown()).toEqual(before);
  });

  it('no longer shows an account whose password was changed, nor any when the demo is off', async () => {
    const officer = (await getUserByEmail(t.db, 'officer@oakwood-demo.example.org'))!;
    await updateUser(t.db, officer.id, { passwordHash: await hashPassword('a-new-password-of-our-own') });
    expect((await shown()).map((a) => a.role)).toEqual(['manager']);

    const off = await makeTestApp({ db: t.db, env: { DATA_DIR: dataDir, DEMO_SCHOOL: 'false' } });
    try {
      expect(await shown(off)).toEqual([]);
    } finally {
      await off.close();
    }
  });
});
