// Given CSV exports from a school's MIS, when they are imported, then the store holds exactly what
// they say, refuses bad files whole, and keeps an audit of every replaced mark.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../store/db';
import {
  ImportValidationError,
  type ImportSummary,
  listImports,
  parseCalendarText,
  parseMarksCsv,
  parseRosterCsv,
  RowLimitError,
  rowsFromObjects,
  runImport,
} from '../../store/imports';
import { listMarkChanges, loadMarkGrids, loadMarkGridsFor, loadSchoolSnapshot } from '../../store/marks';
import { migrate } from '../../store/migrate';
import { getPupilByUpn, listPupils } from '../../store/pupils';
import { getSchool } from '../../store/schools';
import { parseYearGroup, upnProblem } from '../../store/validate';
import { availableEngines } from './engines';
import { CALENDAR, ROSTER, SCHOOL, UPN_A, UPN_B, UPN_C, marksCsv, rosterCsv, upn } from './fixtures';
import { RACE_POOL_SIZE, startTogether } from './together';

async function importAll(db: Db, opts: { roster?: string; marks?: string; calendar?: unknown } = {}) {
  return runImport(db, {
    schoolId: SCHOOL,
    calendar: opts.calendar,
    roster: opts.roster === undefined ? undefined : await parseRosterCsv(opts.roster),
    marks: opts.marks === undefined ? undefined : await parseMarksCsv(opts.marks),
  });
}

async function rejection(p: Promise<unknown>): Promise<ImportValidationError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportValidationError);
  return err as ImportValidationError;
}

async function tableCounts(db: Db) {
  const { rows } = await db.query<{ pupils: number; marks: number; changes: number }>(
    `SELECT (SELECT count(*)::int FROM pupils) AS pupils, (SELECT count(*)::int FROM pupil_marks) AS marks,
            (SELECT count(*)::int FROM mark_changes) AS changes`,
  );
  return rows[0]!;
}

describe('validation helpers', () => {
  it('checks the UPN check letter', () => {
    expect(upnProblem(upn('820200100001'))).toBeNull();
    expect(upnProblem('A82020010000')).toMatch(/13 characters/);
    const good = upn('820200100001');
    const wrongLetter = (good[0] === 'A' ? 'B' : 'A') + good.slice(1);
    expect(upnProblem(wrongLetter)).toMatch(/check letter should be/);
  });

  it('reads year groups', () => {
    expect(parseYearGroup('R')).toBe(0);
    expect(parseYearGroup('N2')).toBe(-1);
    expect(parseYearGroup('N1')).toBe(-2);
    expect(parseYearGroup('Y7')).toBe(7);
    expect(parseYearGroup('14')).toBe(14);
    expect(parseYearGroup('15')).toBeNull();
    expect(parseYearGroup('x')).toBeNull();
  });
});

describe('streamed parsing', () => {
  /** The file's bytes in pieces of `size`, counting how many the parser asked for. */
  function pieces(text: string, size: number) {
    const bytes = Buffer.from(text, 'utf8');
    const source = {
      pulled: 0,
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < bytes.length; i += size) {
          source.pulled++;
          yield bytes.subarray(i, i + size);
        }
      },
    };
    return source;
  }

  it('reads a file arriving in small pieces exactly as the whole file: lines, quotes and accents', async () => {
    // Pieces of 7 bytes split lines, a quoted field over two lines, and the two bytes of "é".
    const csv = rosterCsv([
      `${UPN_A},Zoë,"Khan-Renée",4,2015-03-14,"Sara
Khan",sara.khan@example.org,07700 900001,,,,`,
      `${UPN_B},Ben,Lewis,R,2019-11-02,Tom Lewis,tom@example.org,,Jo Lewis,,01632 960001,cp;send`,
    ]);
    const whole = await parseRosterCsv(csv);
    const streamed = await parseRosterCsv(pieces(csv, 7));
    expect(streamed).toEqual(whole);
    expect(streamed.map((r) => [r.line, r.values.given_name, r.values.family_name])).toEqual([
      [2, 'Zoë', 'Khan-Renée'],
      [4, 'Ben', 'Lewis'],
    ]);
  });

  it('stops reading at the first row over the limit: the rest of the file is never read', async () => {
    // 1,000 rows of about 10 KB each (10 MB): the limit is 3 rows.
    const long = 'x'.repeat(10_000);
    const csv = rosterCsv(
      Array.from(
        { length: 1_000 },
        (_, i) => `${upn(`8202001${String(i).padStart(5, '0')}`)},${long},Q,4,2015-03-14,,,,,,,`,
      ),
    );
    const source = pieces(csv, 10_000);
    const err = await parseRosterCsv(source, { maxRows: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RowLimitError);
    expect((err as RowLimitError).limit).toBe(3);
    // What the stream buffers ahead (a few tens of KB), not the 1,000 pieces of the file.
    expect(source.pulled).toBeLessThan(20);
    // Within the limit the same file is read to its end.
    const fine = pieces(rosterCsv([`${UPN_A},Amira,Khan,4,2015-03-14,,,,,,,`]), 10);
    expect(await parseRosterCsv(fine, { maxRows: 3 })).toHaveLength(1);
  });

  it('refuses a file without a required column at its header, without reading on', async () => {
    const csv = 'upn,date,session\n' + `${UPN_A},2024-09-02,AM\n`.repeat(100_000);
    const source = pieces(csv, 1_000);
    const err = await rejection(parseMarksCsv(source));
    expect(err.rows).toEqual([
      expect.objectContaining({
        file: 'marks',
        line: 1,
        column: 'code',
        reason: expect.stringMatching(/no "code" column/),
      }),
    ]);
    expect(source.pulled).toBeLessThan(100);
  });
});

describe.each(availableEngines())('attendance store on $name', (engine) => {
  // One store per engine for the file (PGlite takes a second or two to boot); emptied before each test.
  // On a server its pool lets two imports run at once.
  let db: Db;
  beforeAll(async () => {
    db = await engine.open({ poolSize: RACE_POOL_SIZE });
  });
  afterAll(async () => {
    await engine.dispose(db);
  });
  beforeEach(async () => {
    await db.query('TRUNCATE mark_changes, pupil_marks, imports, pupils, schools CASCADE');
  });

  it('migrates idempotently', async () => {
    expect(await migrate(db)).toEqual([]);
    const { rows } = await db.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(rows.map((r) => r.id)).toContain('0001_attendance_store');
  });

  it('imports a calendar, a roster and marks, and reads them back', async () => {
    const summary = await importAll(db, {
      calendar: CALENDAR,
      roster: ROSTER,
      marks: marksCsv([
        [UPN_A, '2024-09-02', 'AM', '/'],
        [UPN_A, '2024-09-02', 'PM', '\\'],
        [UPN_B, '2024-09-02', 'AM', 'I'],
        [UPN_B.toLowerCase(), '2024-09-03', 'pm', 'n'],
        [UPN_C, '2024-11-04', 'AM', '#'], // INSET day: accepted, not stored
      ]),
    });
    expect(summary.calendar?.status).toBe('inserted');
    expect(summary.roster).toMatchObject({ rows: 3, inserted: 3, updated: 0, unchanged: 0 });
    expect(summary.marks).toMatchObject({ rows: 5, inserted: 4, changed: 0, unchanged: 0, skipped: 1 });

    const school = await getSchool(db, SCHOOL);
    expect(school).toMatchObject({ id: SCHOOL, name: CALENDAR.name, lessonsPerDay: 5, policyId: null });

    const pupils = await listPupils(db, SCHOOL);
    expect(pupils.map((p) => p.familyName)).toEqual(['Khan', 'Lewis', 'Morris']);
    const ben = pupils[1]!;
    expect(ben).toMatchObject({
      upn: UPN_B,
      givenName: 'Ben',
      yearGroup: 0,
      dateOfBirth: '2019-11-02',
      flags: ['cp', 'send'],
      contacts: [
        { name: 'Tom Lewis', email: 'tom@example.org', phone: null },
        { name: 'Jo Lewis', email: null, phone: '01632 960001' },
      ],
    });
    expect(ben.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await listPupils(db, SCHOOL, { limit: 1, offset: 2 })).toHaveLength(1);

    const grids = await loadMarkGrids(db, SCHOOL);
    expect(grids.size).toBe(3);
    expect(grids.get(ben.id)!.get('2024-09-02', 'AM')).toBe('I');
    expect(grids.get(ben.id)!.get('2024-09-03', 'PM')).toBe('N');
    expect(grids.get(pupils[0]!.id)!.get('2024-09-02', 'PM')).toBe('\\');
    expect([...grids.get(pupils[2]!.id)!.marks()]).toEqual([]);

    const snapshot = await loadSchoolSnapshot(db, SCHOOL);
    expect(snapshot!.calendar.isSchoolDay('2024-11-04')).toBe(false);
    expect(snapshot!.pupils).toHaveLength(3);
    expect(snapshot!.grids.get(ben.id)!.get('2024-09-02', 'AM')).toBe('I');

    const imports = await listImports(db, SCHOOL);
    expect(imports.map((i) => `${i.kind}:${i.status}`).sort()).toEqual([
      'calendar:succeeded',
      'marks:succeeded',
      'roster:succeeded',
    ]);
  });

  it('accepts JSON rows of the same shape (the API path)', async () => {
    await importAll(db, { calendar: parseCalendarText(JSON.stringify(CALENDAR)), roster: ROSTER });
    const summary = await runImport(db, {
      schoolId: SCHOOL,
      marks: rowsFromObjects([{ upn: UPN_A, date: '2024-09-02', session: 'AM', code: 'L' }]),
    });
    expect(summary.marks).toMatchObject({ inserted: 1 });
  });

  it('refuses a malformed roster whole, naming every bad row', async () => {
    await importAll(db, { calendar: CALENDAR });
    const bad = rosterCsv([
      `${UPN_A},Amira,Khan,4,2015-03-14,,,,,,,`,
      `X12345,Ben,Lewis,R,2019-11-02,,,,,,,`,
      `${UPN_C},,Morris,15,2009-02-30,Ann,not-an-email,,,,,lac;gifted`,
      `${UPN_A},Amira,Again,4,2015-03-14,,,,,,,`,
    ]);
    const err = await rejection(importAll(db, { roster: bad }));
    expect(err.rows.map((r) => [r.line, r.column])).toEqual([
      [3, 'upn'],
      [4, 'given_name'],
      [4, 'year_group'],
      [4, 'date_of_birth'],
      [4, 'flags'],
      [4, 'contact1_email'],
      [5, 'upn'],
    ]);
    expect(err.rows.find((r) => r.line === 5)!.reason).toMatch(/duplicate UPN: already on line 2/);
    expect(err.rows.find((r) => r.column === 'flags')!.value).toBe('lac;gifted');
    expect(err.totalErrors).toBe(7);
    expect(await tableCounts(db)).toEqual({ pupils: 0, marks: 0, changes: 0 });
    const imports = await listImports(db, SCHOOL);
    expect(imports.find((i) => i.kind === 'roster')).toMatchObject({ status: 'rejected', errors: 7 });
  });

  it('refuses malformed marks whole: wrong fields, retired H naming C and G, non-school days', async () => {
    await importAll(db, { calendar: CALENDAR, roster: ROSTER });
    const marks = marksCsv([
      [UPN_A, '2024-09-02', 'AM', '/'],
      [UPN_A, '2024-09-03', 'AM', 'H'],
      [UPN_A, '2024-09-07', 'AM', '/'], // Saturday
      [UPN_A, '2024-10-29', 'PM', 'I'], // half term
      [UPN_A, '2024-09-31', 'AM', '/'],
      [UPN_B, '2024-09-04', 'XX', 'J'],
    ]);
    const err = await rejection(importAll(db, { marks }));
    expect(err.rows.map((r) => [r.line, r.column])).toEqual([
      [3, 'code'],
      [4, 'date'],
      [5, 'date'],
      [6, 'date'],
      [7, 'session'],
      [7, 'code'],
    ]);
    const h = err.rows[0]!;
    expect(h.value).toBe('H');
    expect(h.reason).toMatch(/retired/);
    expect(h.reason).toMatch(/\bC\b/);
    expect(h.reason).toMatch(/\bG\b/);
    expect(err.rows[5]!.reason).toMatch(/J1/);
    expect(err.message).toMatch(/nothing was written/);
    expect((await tableCounts(db)).marks).toBe(0);
  });

  it('caps the listed errors at 100 and counts the rest', async () => {
    await importAll(db, { calendar: CALENDAR, roster: ROSTER });
    const rows: [string, string, string, string][] = [];
    for (let i = 0; i < 150; i++) rows.push([UPN_A, '2024-09-02', 'AM', 'H']);
    const err = await rejection(importAll(db, { marks: marksCsv(rows) }));
    expect(err.rows).toHaveLength(100);
    expect(err.totalErrors).toBe(150);
    expect(err.unlisted).toBe(50);
    expect(err.message).toMatch(/50 more not listed/);
  });

  it('refuses marks for a UPN that is not on the roster', async () => {
    await importAll(db, { calendar: CALENDAR, roster: ROSTER });
    const stranger = upn('999999999999');
    const err = await rejection(
      importAll(db, {
        marks: marksCsv([
          [UPN_A, '2024-09-02', 'AM', '/'],
          [stranger, '2024-09-02', 'AM', '/'],
        ]),
      }),
    );
    expect(err.rows).toEqual([
      {
        file: 'marks',
        line: 3,
        column: 'upn',
        value: stranger,
        reason: 'this UPN is not on the school roster',
      },
    ]);
    expect((await tableCounts(db)).marks).toBe(0);
  });

  it('refuses a roster and marks together when only the marks are bad (one transaction)', async () => {
    await importAll(db, { calendar: CALENDAR });
    const err = await rejection(
      importAll(db, { roster: ROSTER, marks: marksCsv([[UPN_A, '2024-09-02', 'AM', 'Y']]) }),
    );
    expect(err.rows[0]).toMatchObject({ file: 'marks', line: 2, column: 'code' });
    expect(await tableCounts(db)).toEqual({ pupils: 0, marks: 0, changes: 0 });
  });

  it('refuses an unknown school and a calendar for another school', async () => {
    let err = await rejection(importAll(db, { roster: ROSTER }));
    expect(err.rows[0]!.reason).toMatch(/import its calendar first/);
    err = await rejection(importAll(db, { calendar: { ...CALENDAR, school: 'other' } }));
    expect(err.rows[0]).toMatchObject({ column: 'school', value: 'other' });
    err = await rejection(importAll(db, { calendar: { ...CALENDAR, lessonsPerDay: 0 } }));
    expect(err.rows[0]).toMatchObject({ file: 'calendar', column: 'lessonsPerDay' });
    expect(await getSchool(db, SCHOOL)).toBeNull();
  });

  it('re-importing the same files changes nothing', async () => {
    const marks = marksCsv([
      [UPN_A, '2024-09-02', 'AM', '/'],
      [UPN_A, '2024-09-02', 'PM', 'N'],
      [UPN_B, '2024-09-03', 'AM', 'G'],
    ]);
    await importAll(db, { calendar: CALENDAR, roster: ROSTER, marks });
    const { rows: before } = await db.query<{ updated_at: string }>(
      'SELECT updated_at::text AS updated_at FROM pupil_marks ORDER BY pupil_id',
    );
    const again = await importAll(db, { calendar: CALENDAR, roster: ROSTER, marks });
    expect(again.calendar?.status).toBe('unchanged');
    expect(again.roster).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
    expect(again.marks).toMatchObject({ inserted: 0, changed: 0, unchanged: 3 });
    const { rows: after } = await db.query<{ updated_at: string }>(
      'SELECT updated_at::text AS updated_at FROM pupil_marks ORDER BY pupil_id',
    );
    expect(after).toEqual(before);
    expect((await tableCounts(db)).changes).toBe(0);
  });

  it('a later mark replaces an earlier one and the change is audited (N re-coded to I)', async () => {
    await importAll(db, {
      calendar: CALENDAR,
      roster: ROSTER,
      marks: marksCsv([
        [UPN_A, '2024-09-09', 'AM', 'N'],
        [UPN_A, '2024-09-09', 'PM', 'N'],
      ]),
    });
    const second = await importAll(db, {
      marks: marksCsv([
        [UPN_A, '2024-09-09', 'AM', 'I'],
        [UPN_A, '2024-09-09', 'PM', 'N'],
        [UPN_A, '2024-09-10', 'AM', '/'],
      ]),
    });
    expect(second.marks).toMatchObject({ inserted: 1, changed: 1, unchanged: 1 });
    const amira = (await getPupilByUpn(db, SCHOOL, UPN_A))!;
    const grid = (await loadMarkGrids(db, SCHOOL)).get(amira.id)!;
    expect(grid.get('2024-09-09', 'AM')).toBe('I');
    expect(grid.get('2024-09-09', 'PM')).toBe('N');
    const changes = await listMarkChanges(db, amira.id);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      pupilId: amira.id,
      date: '2024-09-09',
      session: 'AM',
      oldCode: 'N',
      newCode: 'I',
      importId: second.marks!.importId,
    });
  });

  it('reads an MIS export’s UK dates (DD/MM/YYYY) as the same days, and names an impossible one', async () => {
    const first = await importAll(db, {
      calendar: CALENDAR,
      roster: ROSTER,
      marks: marksCsv([
        [UPN_A, '09/09/2024', 'AM', 'N'],
        [UPN_A, '9/9/2024', 'PM', '/'],
      ]),
    });
    expect(first.marks).toMatchObject({ inserted: 2 });
    const amira = (await getPupilByUpn(db, SCHOOL, UPN_A))!;
    const grid = (await loadMarkGrids(db, SCHOOL)).get(amira.id)!;
    expect(grid.get('2024-09-09', 'AM')).toBe('N');
    expect(grid.get('2024-09-09', 'PM')).toBe('/');
    // The same days written as ISO dates are the same marks: nothing new.
    const again = await importAll(db, {
      marks: marksCsv([
        [UPN_A, '2024-09-09', 'AM', 'N'],
        [UPN_A, '2024-09-09', 'PM', '/'],
      ]),
    });
    expect(again.marks).toMatchObject({ inserted: 0, changed: 0, unchanged: 2 });
    await expect(
      importAll(db, { marks: marksCsv([[UPN_A, '31/09/2024', 'AM', '/']]) }),
    ).rejects.toMatchObject({
      rows: [
        expect.objectContaining({
          column: 'date',
          value: '31/09/2024',
          reason: 'expected a real date written YYYY-MM-DD (or DD/MM/YYYY)',
        }),
      ],
    });
  });

  it('within one file the last row for a session wins, without flapping on re-import', async () => {
    await importAll(db, { calendar: CALENDAR, roster: ROSTER });
    const marks = marksCsv([
      [UPN_A, '2024-09-09', 'AM', 'N'],
      [UPN_A, '2024-09-09', 'AM', 'M'],
    ]);
    const first = await importAll(db, { marks });
    expect(first.marks).toMatchObject({ inserted: 1, superseded: 1, changed: 0 });
    const again = await importAll(db, { marks });
    expect(again.marks).toMatchObject({ inserted: 0, changed: 0, unchanged: 1 });
    const amira = (await getPupilByUpn(db, SCHOOL, UPN_A))!;
    expect((await loadMarkGrids(db, SCHOOL)).get(amira.id)!.get('2024-09-09', 'AM')).toBe('M');
  });

  it('two imports for the same school at the same moment both land, one after the other, with their audit', async () => {
    await importAll(db, {
      calendar: CALENDAR,
      roster: ROSTER,
      marks: marksCsv([
        [UPN_A, '2024-09-09', 'AM', 'N'],
        [UPN_A, '2024-09-09', 'PM', 'N'],
      ]),
    });
    // The office re-codes Monday morning as illness and adds Tuesday; at the same moment the MIS's
    // nightly export re-codes the same morning as a medical appointment and adds Wednesday.
    const office = marksCsv([
      [UPN_A, '2024-09-09', 'AM', 'I'],
      [UPN_A, '2024-09-10', 'AM', '/'],
    ]);
    const mis = marksCsv([
      [UPN_A, '2024-09-09', 'AM', 'M'],
      [UPN_A, '2024-09-11', 'AM', '/'],
      [UPN_B, '2024-09-11', 'AM', '/'],
    ]);
    // Both held at the schools table (the import reads its school first) until both are under way.
    const [fromOffice, fromMis] = (await startTogether(
      db,
      {
        what: 'the schools table',
        hold: (tx) => tx.query('LOCK TABLE schools IN ACCESS EXCLUSIVE MODE'),
      },
      [() => importAll(db, { marks: office }), () => importAll(db, { marks: mis })],
    )) as [ImportSummary, ImportSummary];
    expect(fromOffice.marks).toMatchObject({ inserted: 1, changed: 1, unchanged: 0 });
    expect(fromMis.marks).toMatchObject({ inserted: 2, changed: 1, unchanged: 0 });

    // Every mark of both imports is in the store: neither wrote over the other's.
    const amira = (await getPupilByUpn(db, SCHOOL, UPN_A))!;
    const ben = (await getPupilByUpn(db, SCHOOL, UPN_B))!;
    const grids = await loadMarkGrids(db, SCHOOL);
    const amiraMarks = grids.get(amira.id)!;
    expect({
      'Amira, Mon 9 Sep PM': amiraMarks.get('2024-09-09', 'PM'),
      'Amira, Tue 10 Sep AM (office)': amiraMarks.get('2024-09-10', 'AM'),
      'Amira, Wed 11 Sep AM (MIS)': amiraMarks.get('2024-09-11', 'AM'),
      'Ben, Wed 11 Sep AM (MIS)': grids.get(ben.id)!.get('2024-09-11', 'AM'),
    }).toEqual({
      'Amira, Mon 9 Sep PM': 'N',
      'Amira, Tue 10 Sep AM (office)': '/',
      'Amira, Wed 11 Sep AM (MIS)': '/',
      'Ben, Wed 11 Sep AM (MIS)': '/',
    });
    // The whole-school view and each pupil's own record agree.
    const records = await loadMarkGridsFor(db, [amira.id, ben.id]);
    for (const id of [amira.id, ben.id])
      expect([...records.get(id)!.marks()]).toEqual([...grids.get(id)!.marks()]);

    // Monday morning was re-coded twice, one import after the other: the audit reads as a chain from
    // the unexplained absence to the code the register now shows, one change from each import.
    const changes = await listMarkChanges(db, amira.id);
    expect(changes.map((c) => [c.date, c.session])).toEqual([
      ['2024-09-09', 'AM'],
      ['2024-09-09', 'AM'],
    ]);
    expect(changes[0]!.oldCode).toBe('N');
    expect(changes[1]!.oldCode, 'the second import replaced what the first wrote').toBe(changes[0]!.newCode);
    expect(amiraMarks.get('2024-09-09', 'AM')).toBe(changes[1]!.newCode);
    expect(changes.map((c) => c.importId).sort()).toEqual(
      [fromOffice.marks!.importId, fromMis.marks!.importId].sort(),
    );
    const imports = await listImports(db, SCHOOL);
    expect(imports.filter((i) => i.kind === 'marks').map((i) => i.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
  });

  it('updates changed roster details and leaves absent pupils alone', async () => {
    await importAll(db, { calendar: CALENDAR, roster: ROSTER });
    const amira = (await getPupilByUpn(db, SCHOOL, UPN_A))!;
    const summary = await importAll(db, {
      roster: rosterCsv([
        `${UPN_A},Amira,Khan,5,2015-03-14,Sara Khan,sara.khan@example.org,07700 900001,,,,young_carer`,
      ]),
    });
    expect(summary.roster).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 });
    const after = (await getPupilByUpn(db, SCHOOL, UPN_A))!;
    expect(after).toMatchObject({ id: amira.id, yearGroup: 5, flags: ['young_carer'] });
    expect(await listPupils(db, SCHOOL)).toHaveLength(3);
  });
});
