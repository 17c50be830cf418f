// Amira is on a child protection plan. Her school's managers and its designated safeguarding lead see
// that on every page; the attendance officers work her case without it (and cannot find it by
// filtering). Every page that shows it is in the audit log: who saw it, for which pupil, where.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';
import { SCHOOL_A, seedTwoSchools } from './fixtures';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedTwoSchools>>;
let officer: Agent;
let manager: Agent;
let lead: Agent;
let admin: Agent;
let managerId: string;

/** Amira's flags as each page shows them to this person. */
async function amirasFlags(who: Agent): Promise<Record<string, string[]>> {
  const pupils = (await who.get(`/api/pupils?schoolId=${SCHOOL_A}`)).json();
  const pupil = (await who.get(`/api/pupils/${seed.pupilA}`)).json();
  const cases = (await who.get(`/api/cases?schoolId=${SCHOOL_A}`)).json();
  const casePage = (await who.get(`/api/cases/${seed.caseA}`)).json();
  const approvals = (await who.get(`/api/approvals?schoolId=${SCHOOL_A}`)).json();
  return {
    pupils: pupils.pupils.find((p: { id: string }) => p.id === seed.pupilA).flags,
    pupil: pupil.pupil.flags,
    cases: cases.cases.find((c: { caseId: string }) => c.caseId === seed.caseA).pupil.flags,
    casePage: casePage.pupil.flags,
    approvals: approvals.items.find((i: { caseId: string }) => i.caseId === seed.caseA).pupil.flags,
  };
}

async function viewsBy(userId: string) {
  const { rows } = await t.db.query<{ school_id: string; details: { pupilIds: string[]; where: string } }>(
    `SELECT school_id, details FROM audit_log WHERE action = 'safeguarding.view' AND user_id = $1::uuid ORDER BY id`,
    [userId],
  );
  return rows;
}

const everywhere = (flags: string[]) => ({
  pupils: flags,
  pupil: flags,
  cases: flags,
  casePage: flags,
  approvals: flags,
});

beforeAll(async () => {
  t = await makeTestApp({ now: () => Date.parse('2026-09-21T10:00:00Z') });
  seed = await seedTwoSchools(t.db);
  const officerUser = await makeUser(t.db, 'officer', [SCHOOL_A]);
  officer = await signIn(t.app, officerUser.email);
  const managerUser = await makeUser(t.db, 'manager', [SCHOOL_A]);
  managerId = managerUser.id;
  manager = await signIn(t.app, managerUser.email);
  admin = await signIn(t.app, (await makeUser(t.db, 'admin', [SCHOOL_A])).email);
  // The designated safeguarding lead is an officer by role, ticked as the lead by an administrator.
  const leadUser = await makeUser(t.db, 'officer', [SCHOOL_A]);
  const ticked = await admin.request({
    method: 'PATCH',
    url: `/api/users/${leadUser.id}`,
    payload: { safeguardingLead: true },
  });
  expect(ticked.statusCode).toBe(200);
  expect(ticked.json().user.safeguardingLead).toBe(true);
  lead = await signIn(t.app, leadUser.email);
}, 60_000);
afterAll(async () => t?.close());

describe('safeguarding flags, by default', () => {
  it('are hidden from an attendance officer on every page, and no view of them is recorded', async () => {
    expect(await amirasFlags(officer)).toEqual(everywhere([]));
    const me = (await officer.get('/api/auth/me')).json();
    expect(await viewsBy(me.user.id)).toEqual([]);
  });

  it('cannot be found by an officer through a filter, though other flags can', async () => {
    for (const url of [`/api/pupils?flags=cp`, `/api/cases?flags=cp,send`, `/api/pupils?flags=lac`]) {
      const res = await officer.get(url);
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error).toMatch(/shown only to the roles your school chose/);
    }
    const send = await officer.get('/api/pupils?flags=send');
    expect(send.statusCode).toBe(200);
    expect(send.json().pupils.map((p: { givenName: string }) => p.givenName)).toEqual(['Cleo']);
  });

  it('are shown to a manager, and each page that shows them is in the audit log, by pupil id only', async () => {
    expect(await amirasFlags(manager)).toEqual(everywhere(['cp']));
    const views = await viewsBy(managerId);
    expect(views.map((v) => v.details.where)).toEqual([
      '/api/pupils',
      '/api/pupils/:pupilId',
      '/api/cases',
      '/api/cases/:caseId',
      '/api/approvals',
    ]);
    for (const v of views) {
      expect(v.school_id).toBe(SCHOOL_A);
      expect(v.details.pupilIds).toEqual([seed.pupilA]);
    }
    expect(JSON.stringify(views)).not.toMatch(/Amira|Khan/);
    // A page with no safeguarding flag on it records nothing.
    await manager.get(`/api/pupils?schoolId=${SCHOOL_A}&flags=send`);
    expect(await viewsBy(managerId)).toHaveLength(5);
  });

  it('are shown to the designated safeguarding lead whatever their role', async () => {
    expect(await amirasFlags(lead)).toEqual(everywhere(['cp']));
    expect((await lead.get('/api/pupils?flags=cp')).statusCode).toBe(200);
  });
});

describe('the school chooses who sees them', () => {
  it('an administrator leaves them to the safeguarding lead alone: managers no longer see them; the choice is audited', async () => {
    expect((await officer.get(`/api/schools/${SCHOOL_A}/safeguarding`)).json()).toEqual({
      roles: ['manager'],
      leadsAlwaysSee: true,
    });
    const byOfficer = await officer.request({
      method: 'PUT',
      url: `/api/schools/${SCHOOL_A}/safeguarding`,
      payload: { roles: ['officer'] },
    });
    expect(byOfficer.statusCode).toBe(403);

    const set = await admin.request({
      method: 'PUT',
      url: `/api/schools/${SCHOOL_A}/safeguarding`,
      payload: { roles: [] },
    });
    expect(set.statusCode).toBe(200);
    expect(await amirasFlags(manager)).toEqual(everywhere([]));
    expect(await amirasFlags(lead)).toEqual(everywhere(['cp']));
    const { rows } = await t.db.query<{ details: { roles: string[] } }>(
      `SELECT details FROM audit_log WHERE action = 'school.safeguarding_roles'`,
    );
    expect(rows.map((r) => r.details.roles)).toEqual([[]]);

    // And back to the default, with officers too.
    await admin.request({
      method: 'PUT',
      url: `/api/schools/${SCHOOL_A}/safeguarding`,
      payload: { roles: ['manager', 'officer'] },
    });
    expect(await amirasFlags(officer)).toEqual(everywhere(['cp']));
  });
});
