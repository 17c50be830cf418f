// The returns the law asks for, through the API, on a hand-computed register (2024-25: half term
// 28 October to 1 November, an INSET day on Monday 4 November). Today is Friday 29 November 2024.
// Continuous absence is counted in school days: a weekend, the half term and the INSET day neither
// break a run nor add to it; a day with a session attended, or an authorised absence, ends it; a day
// the pupil was not required to attend (X) does neither.
//
// The pupils, and what a person counting by hand finds:
// - Ava: O from Mon 14 Oct to Wed 6 Nov: 10 school days before half term, 2 after = 12, then back.
// - Ben: O from Mon 14 Oct to Thu 24 Oct (9 days), in on Fri 25 Oct, O on 5-6 Nov (2): never 10.
// - Cat: G from Mon 21 Oct, every day since (N in the morning and O in the afternoon of Tue 12 Nov,
//   both unauthorised): 5 + 19 = 24 school days by today, and still absent.
// - Dev: O 14-18 Oct (5), on Mon 21 Oct O in the morning and in school in the afternoon, O 22 Oct to
//   8 Nov (4 + 4 = 8): the half day breaks it.
// - Eve: O 14-18 Oct (5), X (not required to attend) 21-22 Oct, O 23-25 Oct (3) and 5-6 Nov (2): 10.
// - Fay: ill (I) every Monday from 9 September (10 school Mondays to 25 November) and Tue 26 to Fri 29
//   November: 14 days in all, off ill for the last 5 school days, and still off.
// - Gus: ill every Tuesday and Wednesday from 10 September: the 15th such day is Tue 5 November.
// - Hal: in every day but this morning, marked N (no reason yet): a first-day call.
// - Ida: in every day.
// The autumn term so far has 57 school days, 114 sessions: Hal 113 (99.12%) and Ida 114 (100%) are
// the only pupils at 95% or above.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import type { ReturnList } from '../../api/services/returns';
import { buildCalendar } from '../../domain/calendar';
import type { IsoDate } from '../../domain/types';
import { FILE_2024_25 } from '../../domain/testFixtures';
import { rowsFromObjects, runImport } from '../../store/imports';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';
import { SCHOOL_A, upn } from './fixtures';

const TODAY: IsoDate = '2024-11-29';
const calendar = buildCalendar({ ...FILE_2024_25, school: SCHOOL_A });
const days = calendar.schoolDaysBetween('2024-09-04', TODAY);
const between = (d: IsoDate, from: IsoDate, to: IsoDate) => d >= from && d <= to;
const weekday = (d: IsoDate) => new Date(`${d}T12:00:00Z`).getUTCDay();

type Mark = (d: IsoDate, s: 'AM' | 'PM') => string | null;
const PUPILS: [string, Mark][] = [
  ['Ava', (d) => (between(d, '2024-10-14', '2024-11-06') ? 'O' : null)],
  [
    'Ben',
    (d) => (between(d, '2024-10-14', '2024-10-24') || between(d, '2024-11-05', '2024-11-06') ? 'O' : null),
  ],
  ['Cat', (d, s) => (d === '2024-11-12' ? (s === 'AM' ? 'N' : 'O') : d >= '2024-10-21' ? 'G' : null)],
  [
    'Dev',
    (d, s) =>
      between(d, '2024-10-14', '2024-10-18') ||
      between(d, '2024-10-22', '2024-11-08') ||
      (d === '2024-10-21' && s === 'AM')
        ? 'O'
        : null,
  ],
  [
    'Eve',
    (d) =>
      between(d, '2024-10-21', '2024-10-22')
        ? 'X'
        : between(d, '2024-10-14', '2024-10-25') || between(d, '2024-11-05', '2024-11-06')
          ? 'O'
          : null,
  ],
  ['Fay', (d) => (d >= '2024-09-09' && (weekday(d) === 1 || d >= '2024-11-26') ? 'I' : null)],
  ['Gus', (d) => (d >= '2024-09-10' && (weekday(d) === 2 || weekday(d) === 3) ? 'I' : null)],
  ['Hal', (d, s) => (d === TODAY && s === 'AM' ? 'N' : null)],
  ['Ida', () => null],
];

describe('returns and worklists the law asks for', () => {
  let t: TestApp;
  let officer: Agent;
  let manager: Agent;
  const ids = new Map<string, string>();

  const list = async (a: Agent, kind: string, query = '') => {
    const res = await a.get(`/api/returns/${kind}?schoolId=${SCHOOL_A}${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ReturnList>();
  };
  const names = (l: ReturnList) => l.rows.map((r) => r.cells.name);

  beforeAll(async () => {
    t = await makeTestApp({ now: () => Date.parse(`${TODAY}T12:00:00Z`) });
    const roster = PUPILS.map(([given], i) => ({
      upn: upn(i + 1, SCHOOL_A),
      given_name: given,
      family_name: 'Test',
      year_group: '4',
      date_of_birth: '2016-01-01',
      contact1_name: `${given}'s mum`,
      contact1_email: '',
      contact1_phone: '07700 900' + String(100 + i),
    }));
    const marks = PUPILS.flatMap(([, mark], i) =>
      days.flatMap((d) =>
        (['AM', 'PM'] as const).map((s) => ({
          upn: upn(i + 1, SCHOOL_A),
          date: d,
          session: s,
          code: mark(d, s) ?? (s === 'AM' ? '/' : '\\'),
        })),
      ),
    );
    await runImport(t.db, {
      schoolId: SCHOOL_A,
      calendar: { ...FILE_2024_25, school: SCHOOL_A },
      roster: rowsFromObjects(roster),
      marks: rowsFromObjects(marks),
    });
    const { rows } = await t.db.query<{ id: string; given_name: string }>(
      'SELECT id::text AS id, given_name FROM pupils WHERE school_id = $1',
      [SCHOOL_A],
    );
    for (const r of rows) ids.set(r.given_name, r.id);
    const o = await makeUser(t.db, 'officer', [SCHOOL_A]);
    const m = await makeUser(t.db, 'manager', [SCHOOL_A]);
    officer = await signIn(t.app, o.email);
    manager = await signIn(t.app, m.email);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('10 continuous school days of unauthorised absence, counted across a weekend, a half term and an INSET day', async () => {
    const l = await list(manager, 'unauthorised-10-days');
    // The month to today by default.
    expect(l.period).toEqual({ from: '2024-10-30', to: TODAY });
    expect(l.rows.map((r) => r.cells)).toEqual([
      expect.objectContaining({
        name: 'Ava Test',
        from: '2024-10-14',
        to: '2024-11-06',
        schoolDays: 12,
        ongoing: 'no',
      }),
      expect.objectContaining({
        name: 'Cat Test',
        from: '2024-10-21',
        to: null,
        schoolDays: 24,
        ongoing: 'yes',
      }),
      expect.objectContaining({
        name: 'Eve Test',
        from: '2024-10-14',
        to: '2024-11-06',
        schoolDays: 10,
        ongoing: 'no',
      }),
    ]);
    // A period before the runs reached ten days has none of them.
    expect(names(await list(manager, 'unauthorised-10-days', '&from=2024-09-01&to=2024-10-10'))).toEqual([]);
  });

  it('removal from roll: 20 continuous school days, with every enquiry recorded, dated and by whom', async () => {
    let l = await list(officer, 'removal-from-roll');
    expect(l.rows.map((r) => r.cells)).toEqual([
      expect.objectContaining({ name: 'Cat Test', from: '2024-10-21', schoolDays: 24, enquiries: 0 }),
    ]);
    const made = await officer.post('/api/returns/removal-from-roll/enquiries', {
      pupilId: ids.get('Cat'),
      madeOn: '2024-11-27',
      method: 'homeVisit',
      note: 'No one at home; neighbour says the family moved away in October',
    });
    expect(made.statusCode, made.body).toBe(200);
    l = await list(officer, 'removal-from-roll');
    expect(l.rows[0]!.cells).toMatchObject({ enquiries: 1 });
    expect(String(l.rows[0]!.cells.lastEnquiry)).toMatch(
      /^27 November 2024: Home visit, No one at home; neighbour says the family moved away in October \(officer \d+\)$/,
    );
    // A note is required, and a future day refused, each with a clear reason.
    const noNote = await officer.post('/api/returns/removal-from-roll/enquiries', {
      pupilId: ids.get('Cat'),
      method: 'phone',
      note: ' ',
    });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.body).toMatch(/say what the enquiry found/);
    const future = await officer.post('/api/returns/removal-from-roll/enquiries', {
      pupilId: ids.get('Cat'),
      madeOn: '2024-12-02',
      method: 'phone',
      note: 'later',
    });
    expect(future.statusCode).toBe(400);
  });

  it('the sickness return: illness reaching 15 days this year, or a spell that may reach it', async () => {
    const l = await list(manager, 'sickness');
    expect(l.rows.map((r) => r.cells)).toEqual([
      expect.objectContaining({
        name: 'Fay Test',
        illnessDays: 14,
        reached: null,
        spellFrom: '2024-11-25',
        spellDays: 5,
      }),
      expect.objectContaining({ name: 'Gus Test', illnessDays: 22, reached: '2024-11-05', spellFrom: null }),
    ]);
  });

  it("first-day calls: today's N marks, with what came of the call", async () => {
    let l = await list(officer, 'first-day-calls');
    expect(l.rows.map((r) => r.cells)).toEqual([
      expect.objectContaining({
        name: 'Hal Test',
        sessions: 'AM',
        contacts: "Hal's mum 07700 900107",
        outcome: null,
      }),
    ]);
    const called = await officer.post('/api/returns/first-day-calls', {
      pupilId: ids.get('Hal'),
      outcome: 'reasonGiven',
      note: 'Dentist this morning; will bring the card',
    });
    expect(called.statusCode, called.body).toBe(200);
    l = await list(officer, 'first-day-calls');
    expect(l.rows[0]!.cells).toMatchObject({
      outcome: 'Spoke to a parent: reason given',
      note: 'Dentist this morning; will bring the card',
    });
    const wrong = await officer.post('/api/returns/first-day-calls', {
      pupilId: ids.get('Hal'),
      outcome: 'maybe',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toMatch(/say what came of the call/);
  });

  it('termly awards: 95% and above over the autumn term so far', async () => {
    const l = await list(officer, 'termly-awards');
    expect(l.period).toEqual({ from: '2024-09-04', to: TODAY });
    expect(l.rows.map((r) => r.cells)).toEqual([
      expect.objectContaining({ name: 'Hal Test', attendancePct: 99.12, attended: 113, possible: 114 }),
      expect.objectContaining({ name: 'Ida Test', attendancePct: 100, attended: 114, possible: 114 }),
    ]);
  });

  it('a manager exports a return as CSV, and the export is in the audit log; an officer may not export', async () => {
    const res = await manager.get(`/api/returns/unauthorised-10-days?schoolId=${SCHOOL_A}&format=csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="${SCHOOL_A}-unauthorised-10-days-${TODAY}.csv"`,
    );
    const rows = parse(res.body) as string[][];
    expect(rows[0]).toEqual(['UPN', 'Pupil', 'Year', 'First day', 'Last day', 'School days', 'Still absent']);
    expect(rows.slice(1).map((r) => [r[1], r[3], r[4], r[5]])).toEqual([
      ['Ava Test', '2024-10-14', '2024-11-06', '12'],
      ['Cat Test', '2024-10-21', '', '24'],
      ['Eve Test', '2024-10-14', '2024-11-06', '10'],
    ]);
    const { rows: audit } = await t.db.query<{ action: string; details: { kind: string; rows: number } }>(
      `SELECT action, details FROM audit_log WHERE action = 'return.export'`,
    );
    expect(audit.map((a) => [a.details.kind, a.details.rows])).toEqual([['unauthorised-10-days', 3]]);

    const refused = await officer.get(`/api/returns/unauthorised-10-days?schoolId=${SCHOOL_A}&format=csv`);
    expect(refused.statusCode).toBe(403);
  });

  it('another school is not found; a date that does not exist is a clear 400', async () => {
    expect((await manager.get('/api/returns/sickness?schoolId=999999')).statusCode).toBe(404);
    const bad = await manager.get(`/api/returns/sickness?schoolId=${SCHOOL_A}&on=2024-02-30`);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/a date that exists/);
  });
});
