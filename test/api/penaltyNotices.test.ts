// Penalty notices per parent, per child, through the API. Noah lives with his mother and his father,
// both with parental responsibility. Over three years the school asks the local authority for
// notices: the first to each parent is £80/£160; a second to his mother within 3 years of her first is
// a flat £160; a third to her is refused with the reason and the next legal option, while his father,
// whose first notice was withdrawn, may still get one. Every decision is a manager's, and audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PenaltyNoticesAnswer } from '../../api/routes/penaltyNotices';
import { outcomeChoicesFor } from '../../domain/taskOutcomes';
import type { PenaltyNoticeRecord } from '../../store/penaltyNotices';
import { rowsFromObjects, runImport } from '../../store/imports';
import { calendarFor, caseView, insertCase, SCHOOL_A, SCHOOL_B, seedSchool, upn } from './fixtures';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';

const CASE = 'case-noah';
let today = '2026-09-16';

describe('penalty notices, per parent, per child', () => {
  let t: TestApp;
  let manager: Agent;
  let officer: Agent;
  let otherManager: Agent;
  let managerEmail = '';
  /** Months pass: the clock moves on, and the manager signs in again that day. */
  const onDay = async (day: string) => {
    today = day;
    manager = await signIn(t.app, managerEmail);
  };

  const state = async () => {
    const res = await manager.get(`/api/cases/${CASE}/penalty-notices`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<PenaltyNoticesAnswer>();
  };
  const request = (a: Agent, contactIndexes: number[], requestedOn?: string) =>
    a.post(`/api/cases/${CASE}/penalty-notices`, { contactIndexes, ...(requestedOn ? { requestedOn } : {}) });
  const outcome = (id: string, o: string, on: string) =>
    manager.post(`/api/penalty-notices/${id}/outcome`, { outcome: o, on });

  beforeAll(async () => {
    t = await makeTestApp({ now: () => Date.parse(`${today}T12:00:00Z`) });
    await runImport(t.db, {
      schoolId: SCHOOL_A,
      calendar: calendarFor(SCHOOL_A, 'Alder Primary'),
      roster: rowsFromObjects([
        {
          upn: upn(1, SCHOOL_A),
          given_name: 'Noah',
          family_name: 'Green',
          year_group: '6',
          date_of_birth: '2015-01-01',
          contact1_name: 'Maya Green',
          contact1_email: 'maya.green@example.org',
          contact2_name: 'Tom Green',
          contact2_email: 'tom.green@example.org',
        },
      ]),
    });
    await seedSchool(t.db, SCHOOL_B, 'Birch Primary', [{ given: 'Ola', family: 'Brown', year: 4 }]);
    const { rows } = await t.db.query<{ id: string }>(
      'SELECT id::text AS id FROM pupils WHERE school_id = $1',
      [SCHOOL_A],
    );
    await insertCase(t.db, caseView(CASE, SCHOOL_A, rows[0]!.id, [], 'stage-two'));
    managerEmail = (await makeUser(t.db, 'manager', [SCHOOL_A])).email;
    manager = await signIn(t.app, managerEmail);
    officer = await signIn(t.app, (await makeUser(t.db, 'officer', [SCHOOL_A])).email);
    otherManager = await signIn(t.app, (await makeUser(t.db, 'manager', [SCHOOL_B])).email);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('each parent is named, with no notices yet: a first notice for each would be £80 within 21 days, £160 within 28', async () => {
    const s = await state();
    expect(s.parents.map((p) => [p.contactIndex, p.name, p.notices.length, p.terms])).toEqual([
      [
        0,
        'Maya Green',
        0,
        expect.objectContaining({
          allowed: true,
          ordinal: 1,
          amounts: { within21Days: 80, within28Days: 160 },
        }),
      ],
      [1, 'Tom Green', 0, expect.objectContaining({ allowed: true, ordinal: 1 })],
    ]);
  });

  it('two parents get two records; only a manager may request, and another school’s manager finds no case', async () => {
    expect((await request(officer, [0, 1])).statusCode).toBe(403);
    expect((await request(otherManager, [0, 1])).statusCode).toBe(404);
    const res = await request(manager, [0, 1], '2026-09-14');
    expect(res.statusCode, res.body).toBe(200);
    const made = res.json<PenaltyNoticeRecord[]>();
    expect(made.map((n) => [n.parentName, n.ordinal, n.outcome, n.requestedOn])).toEqual([
      ['Maya Green', 1, 'requested', '2026-09-14'],
      ['Tom Green', 1, 'requested', '2026-09-14'],
    ]);
    // Issued to both; Maya pays the reduced amount in time, Tom's is withdrawn by the council.
    expect((await outcome(made[0]!.id, 'issued', '2026-09-15')).statusCode).toBe(200);
    expect((await outcome(made[1]!.id, 'issued', '2026-09-15')).statusCode).toBe(200);
    expect((await outcome(made[0]!.id, 'paid80', '2026-09-16')).json()).toMatchObject({ outcome: 'paid80' });
    expect((await outcome(made[1]!.id, 'withdrawn', '2026-09-16')).statusCode).toBe(200);
    const { rows } = await t.db.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE action LIKE 'penaltyNotice.%' ORDER BY id`,
    );
    expect(rows.map((r) => r.action)).toEqual([
      'penaltyNotice.request',
      'penaltyNotice.request',
      'penaltyNotice.outcome',
      'penaltyNotice.outcome',
      'penaltyNotice.outcome',
      'penaltyNotice.outcome',
    ]);
  });

  it('outcomes follow one another in time, and a payment is at the notice’s amount within its days', async () => {
    const [maya] = (await state()).parents[0]!.notices;
    const again = await outcome(maya!.id, 'unpaid', '2026-09-16');
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json().error).toMatch(/already paid at £80 \(within 21 days\): nothing can follow/);
    expect((await outcome(maya!.id, 'issued', '2026-09-16')).statusCode).toBe(409);
    const future = await outcome(maya!.id, 'withdrawn', '2027-01-01');
    expect(future.statusCode).toBe(400);
  });

  it('a second notice to the same parent for the same child within 3 years is a flat £160, with no reduction', async () => {
    await onDay('2027-03-01');
    const s = await state();
    expect(s.parents[0]!.terms).toMatchObject({
      allowed: true,
      ordinal: 2,
      amounts: { flat: 160 },
      firstIssuedOn: '2026-09-15',
    });
    // Tom's first was withdrawn: it does not count.
    expect(s.parents[1]!.terms).toMatchObject({ allowed: true, ordinal: 1 });
    const [second] = (await request(manager, [0], '2027-03-01')).json<PenaltyNoticeRecord[]>();
    expect(second).toMatchObject({ parentName: 'Maya Green', ordinal: 2 });
    expect((await outcome(second!.id, 'issued', '2027-03-01')).statusCode).toBe(200);
    const early = await outcome(second!.id, 'paid80', '2027-03-01');
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatch(/a second notice within 3 years is £160, with no reduction/);
    await onDay('2027-03-20');
    expect((await outcome(second!.id, 'paid160', '2027-03-20')).statusCode).toBe(200);
  });

  it('a third within 3 years of the first is refused with its reason, and nothing is recorded for either parent', async () => {
    await onDay('2027-06-07');
    const s = await state();
    expect(s.parents[0]!.terms).toMatchObject({ allowed: false, firstIssuedOn: '2026-09-15' });
    const refused = await request(manager, [0, 1]);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatch(
      /^Maya Green: no third penalty notice may be issued to the same parent for the same child within 3 years of the first \(issued 2026-09-15; the 3 years end on 2029-09-14\): consider the next legal option instead, an education supervision order or prosecution/,
    );
    expect((await state()).parents.map((p) => p.notices.length)).toEqual([2, 1]);
    // Tom alone may still be asked about.
    expect((await request(manager, [1])).statusCode).toBe(200);
  });

  it('says clearly what it cannot do', async () => {
    expect((await request(manager, [5])).json().error).toMatch(/no parent\/carer number 5/);
    expect(
      (await manager.post(`/api/cases/${CASE}/penalty-notices`, { contactIndexes: [] })).statusCode,
    ).toBe(400);
    expect((await outcome('999999', 'issued', '2027-06-07')).statusCode).toBe(404);
  });

  it('a case’s consideration is decided only by naming each parent, and only by a manager', async () => {
    // An engine-2 case of the same pupil with its consideration task waiting for a manager (the
    // whole decision, with its records and the case's Update, is in test/workflows/noticeToImprove.test.ts).
    const task = {
      taskId: 'task-consider',
      stageId: 'stage-two',
      stepId: 'stage-two-penalty-notice',
      kind: 'penaltyNoticeConsideration',
      title: 'Consider whether a penalty notice should be requested',
      dueOn: today,
      createdOn: today,
      owner: 'manager',
      purpose: 'step' as const,
      outcomes: outcomeChoicesFor('penaltyNoticeConsideration'),
      status: 'open' as const,
    };
    const { rows } = await t.db.query<{ id: string }>('SELECT id::text AS id FROM pupils WHERE upn = $1', [
      upn(1, SCHOOL_A),
    ]);
    await insertCase(t.db, {
      ...caseView('case-noah-2', SCHOOL_A, rows[0]!.id, [], 'stage-two'),
      engine: 2,
      tasks: [task, { ...task, taskId: 'task-decided', status: 'done', outcome: 'notRequested' }],
    });
    // Months have passed since the others signed in: today's sessions.
    officer = await signIn(t.app, (await makeUser(t.db, 'officer', [SCHOOL_A])).email);
    otherManager = await signIn(t.app, (await makeUser(t.db, 'manager', [SCHOOL_B])).email);
    const decide = (a: Agent, taskId: string, body: object) =>
      a.post(`/api/cases/case-noah-2/tasks/${taskId}/penalty-notices`, body);

    expect((await decide(officer, 'task-consider', { contactIndexes: [0] })).statusCode).toBe(403);
    expect((await decide(otherManager, 'task-consider', { contactIndexes: [0] })).statusCode).toBe(404);
    const future = await decide(manager, 'task-consider', { contactIndexes: [0], requestedOn: '2099-01-01' });
    expect(future.statusCode).toBe(400);
    const decided = await decide(manager, 'task-decided', { contactIndexes: [0] });
    expect([decided.statusCode, decided.json().error]).toEqual([
      409,
      'This consideration has already been decided.',
    ]);

    // "Requested" is never recorded bare, through the tasks endpoint: the parents must be named.
    for (const outcome of ['requested', 'refused']) {
      const bare = await manager.post(`/api/cases/case-noah-2/tasks/task-consider/outcome`, { outcome });
      expect(bare.statusCode).toBe(409);
      expect(bare.json().error).toMatch(
        /^A penalty notice is requested for each parent with parental responsibility: name them/,
      );
    }
    expect((await state()).parents.map((p) => p.notices.length)).toEqual([2, 2]); // nothing new
  });
});
