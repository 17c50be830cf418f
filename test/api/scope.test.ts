// A user never sees another school's pupils: every id outside the scope answers 404, exactly like an
// unknown id; lists only hold the scope. Roles: officers decide team steps, managers also the steps
// a policy reserves for managers, administrators manage users and policies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';
import { SCHOOL_A, SCHOOL_B, seedTwoSchools } from './fixtures';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedTwoSchools>>;
let officerA: Agent;
let managerA: Agent;
let adminAll: Agent;

beforeAll(async () => {
  t = await makeTestApp({ now: () => Date.parse('2026-09-21T10:00:00Z') });
  seed = await seedTwoSchools(t.db);
  officerA = await signIn(t.app, (await makeUser(t.db, 'officer', [SCHOOL_A])).email);
  managerA = await signIn(t.app, (await makeUser(t.db, 'manager', [SCHOOL_A])).email);
  adminAll = await signIn(t.app, (await makeUser(t.db, 'admin', [], { allSchools: true })).email);
});
afterAll(async () => t?.close());

describe('an officer of school A', () => {
  it('gets 404 for school B’s pupils, cases, letters, imports, dashboard and policy', async () => {
    const urls = [
      `/api/pupils/${seed.pupilB}`,
      `/api/cases/${seed.caseB}`,
      `/api/cases/${seed.caseB}/live`,
      `/api/approvals/${seed.caseB}/pb-team/preview`,
      `/api/schools/${SCHOOL_B}`,
      `/api/schools/${SCHOOL_B}/policy`,
      `/api/dashboard?schoolId=${SCHOOL_B}`,
      `/api/pupils?schoolId=${SCHOOL_B}`,
      `/api/cases?schoolId=${SCHOOL_B}`,
      `/api/approvals?schoolId=${SCHOOL_B}`,
      `/api/imports?schoolId=${SCHOOL_B}`,
      `/api/letters?schoolId=${SCHOOL_B}`,
      `/api/outbox?schoolId=${SCHOOL_B}`,
    ];
    for (const url of urls) {
      const res = await officerA.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(JSON.stringify(res.json()), url).not.toMatch(/Novak|Owen|Price|Birch/);
    }
    // An out-of-scope id reads exactly like one that does not exist.
    const unknown = await officerA.get('/api/pupils/00000000-0000-4000-8000-000000000000');
    const other = await officerA.get(`/api/pupils/${seed.pupilB}`);
    expect(other.json()).toEqual(unknown.json());
  });

  it('cannot act on school B: events, decisions, imports and the sweep are 404', async () => {
    const checks = [
      officerA.post(`/api/cases/${seed.caseB}/events`, { type: 'note', note: 'hello' }),
      officerA.post(`/api/approvals/${seed.caseB}/pb-team/decision`, { decision: 'approve' }),
      officerA.post('/api/approvals/bulk', {
        decision: 'approve',
        items: [{ caseId: seed.caseB, proposalId: 'pb-team' }],
      }),
      managerA.post('/api/imports?wait=true', { schoolId: SCHOOL_B, marks: 'upn,date,session,code\n' }), // officers do not import at all
      officerA.post(`/api/schools/${SCHOOL_B}/sweep`),
    ];
    const [event, decision, bulk, imp, sweep] = await Promise.all(checks);
    expect(event!.statusCode).toBe(404);
    expect(decision!.statusCode).toBe(404);
    expect(bulk!.statusCode).toBe(200);
    expect(bulk!.json().results[0]).toMatchObject({ ok: false, statusCode: 404 });
    expect(imp!.statusCode).toBe(404);
    expect(sweep!.statusCode).toBe(404);
  });

  it('lists only school A in every list', async () => {
    const pupils = (await officerA.get('/api/pupils')).json();
    expect(pupils.total).toBe(3);
    expect(pupils.pupils.every((p: { schoolId: string }) => p.schoolId === SCHOOL_A)).toBe(true);
    const cases = (await officerA.get('/api/cases')).json();
    expect(cases.cases.map((c: { caseId: string }) => c.caseId)).toEqual([seed.caseA]);
    // The year filter offers the years on school A's roll, nothing else (no "Year 14").
    expect(cases.yearGroups).toEqual([4, 5, 6]);
    const approvals = (await officerA.get('/api/approvals')).json();
    expect(approvals.items.map((i: { proposalId: string }) => i.proposalId).sort()).toEqual([
      'pa-manager',
      'pa-team',
    ]);
    const schools = (await officerA.get('/api/schools')).json();
    expect(schools.schools.map((s: { id: string }) => s.id)).toEqual([SCHOOL_A]);
    const me = (await officerA.get('/api/auth/me')).json();
    expect(me.schools.map((s: { id: string }) => s.id)).toEqual([SCHOOL_A]);
  });

  it('sees its own pupil and case in full', async () => {
    const pupil = await officerA.get(`/api/pupils/${seed.pupilA}`);
    expect(pupil.statusCode).toBe(200);
    // In full, but for her child protection flag: the school shows it to managers and its safeguarding
    // lead, not to officers (test/api/safeguarding.test.ts).
    expect(pupil.json().pupil).toMatchObject({ givenName: 'Amira', familyName: 'Khan', flags: [] });
    // Absent (O) every Monday and Tuesday of the 8 days marked: 4 of 8 days.
    expect(pupil.json().figures.ytd.attendancePct).toBe(50);
    const c = await officerA.get(`/api/cases/${seed.caseA}`);
    expect(c.statusCode).toBe(200);
    const body = c.json();
    expect(body.source).toBe('projection');
    expect(body.case.timeline.length).toBe(2);
    expect(body.series.length).toBeGreaterThan(0);
    expect(body.thresholds.map((l: { value: number }) => l.value)).toContain(90);
    expect(body.case.pending.find((p: { proposalId: string }) => p.proposalId === 'pa-team').canDecide).toBe(
      true,
    );
    expect(
      body.case.pending.find((p: { proposalId: string }) => p.proposalId === 'pa-manager').canDecide,
    ).toBe(false);
  });
});

describe('roles', () => {
  it('an officer may not decide a step the policy reserves for managers (403, before the case is asked)', async () => {
    const res = await officerA.post(`/api/approvals/${seed.caseA}/pa-manager/decision`, {
      decision: 'approve',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatch(/reserves this step for a manager/);
  });

  it('an administrator manages users and policies but decides no steps and records no events', async () => {
    expect(
      (await adminAll.post(`/api/approvals/${seed.caseA}/pa-team/decision`, { decision: 'approve' }))
        .statusCode,
    ).toBe(403);
    expect(
      (await adminAll.post(`/api/cases/${seed.caseA}/events`, { type: 'note', note: 'x' })).statusCode,
    ).toBe(403);
    expect((await adminAll.get('/api/users')).statusCode).toBe(200);
  });

  it('officers and managers may not manage users, publish policies or import the demo school', async () => {
    for (const agent of [officerA, managerA]) {
      expect((await agent.get('/api/users')).statusCode).toBe(403);
      expect(
        (
          await agent.post('/api/users', {
            email: 'x@example.org',
            displayName: 'X',
            role: 'admin',
            allSchools: true,
          })
        ).statusCode,
      ).toBe(403);
      expect(
        (
          await agent.post('/api/policies/publish', {
            fromFile: 'bradford-staged-intervention',
            schoolIds: [SCHOOL_A],
          })
        ).statusCode,
      ).toBe(403);
      expect((await agent.post('/api/demo/import', {})).statusCode).toBe(403);
    }
  });

  it('only managers and administrators read the audit log; a manager sees only their schools’ entries', async () => {
    expect((await officerA.get('/api/audit')).statusCode).toBe(403);
    // One refused import at each school: school A's entry the manager must see, school B's not.
    const badMarks = 'upn,date,session,code\nX,2026-09-07,AM,/\n';
    const importA = await adminAll.post('/api/imports?wait=true', { schoolId: SCHOOL_A, marks: badMarks });
    const importB = await adminAll.post('/api/imports?wait=true', { schoolId: SCHOOL_B, marks: badMarks });
    expect([importA.statusCode, importB.statusCode]).toEqual([400, 400]);
    const res = await managerA.get('/api/audit');
    expect(res.statusCode).toBe(200);
    const entries: { action: string; targetId: string | null; schoolId: string | null }[] =
      res.json().entries;
    expect(entries).toContainEqual(
      expect.objectContaining({
        action: 'import.rejected',
        targetId: importA.json().importId,
        schoolId: SCHOOL_A,
      }),
    );
    expect(entries.map((e) => e.targetId)).not.toContain(importB.json().importId);
    expect(entries.filter((e) => e.schoolId !== SCHOOL_A)).toEqual([]);
  });

  it('an administrator of some schools cannot grant access to others', async () => {
    const adminA = await signIn(t.app, (await makeUser(t.db, 'admin', [SCHOOL_A])).email);
    const res = await adminA.post('/api/users', {
      email: 'sneaky@example.org',
      displayName: 'S',
      role: 'officer',
      schoolIds: [SCHOOL_B],
    });
    expect(res.statusCode).toBe(403);
    const all = await adminA.post('/api/users', {
      email: 'sneaky2@example.org',
      displayName: 'S',
      role: 'officer',
      allSchools: true,
    });
    expect(all.statusCode).toBe(403);
  });

  it('an administrator of school A cannot take over a manager of schools A and B (who could read school B)', async () => {
    const adminA = await signIn(t.app, (await makeUser(t.db, 'admin', [SCHOOL_A])).email);
    const managerAB = await makeUser(t.db, 'manager', [SCHOOL_A, SCHOOL_B]);
    const officerOfA = await makeUser(t.db, 'officer', [SCHOOL_A]);
    const patch = (id: string, payload: object) =>
      adminA.request({ method: 'PATCH', url: `/api/users/${id}`, payload });

    // Not in the list, and every change refused with the reason: disable, re-role, schools, a set-up link.
    const listed = (await adminA.get('/api/users'))
      .json<{ users: { id: string }[] }>()
      .users.map((u) => u.id);
    expect(listed).toContain(officerOfA.id);
    expect(listed).not.toContain(managerAB.id);
    for (const change of [
      { disabled: true },
      { role: 'officer' },
      { schoolIds: [SCHOOL_A] },
      { displayName: 'X' },
    ]) {
      const res = await patch(managerAB.id, change);
      expect([res.statusCode, res.json().error]).toEqual([
        403,
        expect.stringMatching(/schools outside your scope/),
      ]);
    }
    expect((await adminA.post(`/api/users/${managerAB.id}/setup-link`)).statusCode).toBe(403);
    // The manager can still sign in, as before, with both schools.
    const still = await signIn(t.app, managerAB.email);
    expect((await still.get('/api/auth/me')).json().user.schoolIds.sort()).toEqual(
      [SCHOOL_A, SCHOOL_B].sort(),
    );

    // Within the scope: an officer of A is managed; an account is never left with no school.
    expect((await patch(officerOfA.id, { role: 'manager' })).statusCode).toBe(200);
    expect((await patch(officerOfA.id, { schoolIds: [] })).statusCode).toBe(400);
    expect((await patch(officerOfA.id, { schoolIds: [SCHOOL_B] })).statusCode).toBe(403);

    // An administrator of every school manages them all; schools change as given.
    const res = await adminAll.request({
      method: 'PATCH',
      url: `/api/users/${managerAB.id}`,
      payload: { schoolIds: [SCHOOL_B] },
    });
    expect([res.statusCode, res.json().user.schoolIds]).toEqual([200, [SCHOOL_B]]);
  });
});

describe('lists and filters', () => {
  it('filters cases by stage, year group, flags, pending approvals, approver and next action date', async () => {
    const q = async (qs: string) =>
      (await adminAll.get(`/api/cases?${qs}`)).json().cases.map((c: { caseId: string }) => c.caseId);
    expect(await q('')).toHaveLength(2);
    expect(await q('stage=stage-one')).toHaveLength(2);
    expect(await q('stage=stage-two')).toEqual([]);
    expect(await q('yearGroup=4')).toEqual([seed.caseA]);
    // Safeguarding flags are for the school's managers (by default): an administrator may not filter by them.
    expect((await adminAll.get('/api/cases?flags=cp')).statusCode).toBe(403);
    const byManager = (await managerA.get('/api/cases?flags=cp')).json();
    expect(byManager.cases.map((c: { caseId: string }) => c.caseId)).toEqual([seed.caseA]);
    expect(await q('approver=manager')).toEqual([seed.caseA]);
    expect(await q('pending=true')).toHaveLength(2);
    expect(await q('pending=false')).toEqual([]);
    expect(await q('nextFrom=2026-09-29&nextTo=2026-09-29')).toHaveLength(2);
    expect(await q('nextTo=2026-09-28')).toEqual([]);
    expect(await q(`schoolId=${SCHOOL_B}`)).toEqual([seed.caseB]);
    expect(await q('q=amira')).toEqual([seed.caseA]);
    const page = (await adminAll.get('/api/cases?pageSize=1&page=2')).json();
    expect(page).toMatchObject({ total: 2, page: 2, pageSize: 1 });
    expect(page.cases).toHaveLength(1);
  });

  it('marks approvals overdue after 2 school days', async () => {
    const res = (await adminAll.get('/api/approvals')).json();
    // Proposed Tuesday 15 September; "today" is Monday 21 September: 4 school days later.
    expect(res.overdue).toBe(3);
    expect((await managerA.get('/api/approvals?mine=true')).json().total).toBe(2);
    expect((await officerA.get('/api/approvals?mine=true')).json().total).toBe(1);
  });

  it('gives the dashboard figures for a school', async () => {
    const res = await managerA.get(`/api/dashboard?schoolId=${SCHOOL_A}`);
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.cases.byStage).toEqual([
      { stageId: 'stage-one', stageName: 'Stage One', rank: 1, open: 1, paused: 0 },
    ]);
    // Pupil 1 attended 50%: persistent and severe; the other two 100%.
    expect(d.absence.ytd).toMatchObject({ persistent: 1, severe: 1 });
    expect(d.absence.ytd.persistentPct).toBeCloseTo(33.3, 1);
    expect(d.approvals).toMatchObject({ waiting: 2, overdue: 2, forManagers: 1 });
    expect(d.stageChanges.weeks.some((w: { opened: number }) => w.opened === 1)).toBe(true);
  });
});
