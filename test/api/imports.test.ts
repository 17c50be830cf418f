// Imports through the API: CSV text or rows, all or nothing, every bad row named with its line,
// column and reason, progress while it runs, and an audit entry for each attempt.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCalendar } from '../../domain/calendar';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';
import { calendarFor, SCHOOL_A, SCHOOL_B, upn } from './fixtures';

let t: TestApp;
let manager: Agent;
let officer: Agent;

const header =
  'upn,given_name,family_name,year_group,date_of_birth,contact1_name,contact1_email,contact1_phone,contact2_name,contact2_email,contact2_phone,flags';

beforeAll(async () => {
  t = await makeTestApp();
  manager = await signIn(t.app, (await makeUser(t.db, 'manager', [SCHOOL_A])).email);
  officer = await signIn(t.app, (await makeUser(t.db, 'officer', [SCHOOL_A])).email);
});
afterAll(async () => t?.close());

describe('POST /api/imports', () => {
  it('is for managers and administrators: an officer’s import is refused, and nothing changes', async () => {
    const res = await officer.post('/api/imports?wait=true', {
      schoolId: SCHOOL_A,
      roster: `${header}\n${upn(9, SCHOOL_A)},Zed,Hill,4,2015-03-14,Eve Hill,eve@example.org,,,,,`,
    });
    expect(res.statusCode).toBe(403);
    const { rows } = await t.db.query(`SELECT 1 FROM pupils WHERE given_name = 'Zed'`);
    expect(rows).toEqual([]);
  });

  it('imports a calendar (JSON text), a roster (CSV) and marks (rows) in one go and reports what changed', async () => {
    const roster = [
      header,
      `${upn(1, SCHOOL_A)},Amira,Khan,4,2015-03-14,Sara Khan,sara@example.org,,,,,cp`,
      `${upn(2, SCHOOL_A)},Ben,Lewis,R,2019-11-02,,,,,,,`,
    ].join('\n');
    const marks = [
      { upn: upn(1, SCHOOL_A), date: '2026-09-07', session: 'AM', code: '/' },
      { upn: upn(1, SCHOOL_A), date: '2026-09-07', session: 'PM', code: 'N' },
    ];
    const res = await manager.post('/api/imports?wait=true', {
      schoolId: SCHOOL_A,
      calendar: JSON.stringify(calendarFor(SCHOOL_A, 'Alder Primary')),
      roster,
      marks,
    });
    expect(res.statusCode).toBe(201);
    const job = res.json();
    expect(job).toMatchObject({ status: 'succeeded', percent: 100, phase: 'done' });
    expect(job.summary.calendar.status).toBe('inserted');
    expect(job.summary.roster).toMatchObject({ rows: 2, inserted: 2 });
    expect(job.summary.marks).toMatchObject({ rows: 2, inserted: 2 });
    // Polling the finished job gives the same answer.
    const poll = await manager.get(`/api/imports/${job.id}`);
    expect(poll.json()).toMatchObject({ id: job.id, status: 'succeeded' });
    const history = (await manager.get(`/api/imports?schoolId=${SCHOOL_A}`)).json();
    expect(history.imports.map((i: { kind: string }) => i.kind).sort()).toEqual([
      'calendar',
      'marks',
      'roster',
    ]);
  });

  it('refuses the whole import and lists every bad row with its line, column and reason', async () => {
    const roster = [
      header,
      `${upn(3, SCHOOL_A)},Cleo,Morris,11,2009-01-30,,,,,,,`,
      `X123,,Nobody,99,30/02/2010,,not-an-email,,,,,wizard`,
    ].join('\n');
    const marks =
      'upn,date,session,code\n' +
      `${upn(1, SCHOOL_A)},2026-09-12,AM,/\n${upn(1, SCHOOL_A)},2026-09-08,XX,H\n`;
    const res = await manager.post('/api/imports?wait=true', { schoolId: SCHOOL_A, roster, marks });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toMatch(/nothing was written/);
    const where = body.rows.map(
      (r: { file: string; line: number; column: string }) => `${r.file}:${r.line}:${r.column}`,
    );
    expect(where).toEqual(
      expect.arrayContaining([
        'roster:3:upn',
        'roster:3:given_name',
        'roster:3:year_group',
        'roster:3:date_of_birth',
        'roster:3:contact1_email',
        'roster:3:flags',
        'marks:2:date',
        'marks:3:session',
        'marks:3:code',
      ]),
    );
    for (const r of body.rows) expect(r.reason.length).toBeGreaterThan(5);
    expect(
      body.rows.find((r: { column: string; file: string }) => r.file === 'marks' && r.column === 'code')
        .reason,
    ).toMatch(/retired|H/);
    // Nothing written: pupil 3 is not on the roll.
    const pupils = (await manager.get(`/api/pupils?schoolId=${SCHOOL_A}`)).json();
    expect(pupils.total).toBe(2);
  });

  it('answers a file that is not CSV at once, before any job starts', async () => {
    const res = await manager.post('/api/imports', {
      schoolId: SCHOOL_A,
      marks: 'upn,date\n"unclosed,2026-09-07\n',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().rows[0]).toMatchObject({ file: 'marks' });
  });

  it('runs in the background and reports progress until done', async () => {
    // A class of 30 joining with three weeks of marks: checked, then written in two parts (the
    // pupils, then their marks), so the bar moves through several steps before it is full.
    const pupils = Array.from({ length: 30 }, (_, i) => upn(10 + i, SCHOOL_A));
    const roster = [
      header,
      ...pupils.map((u, i) => `${u},Pupil${i},Newcomer,3,2017-01-0${1 + (i % 9)},,,,,,,`),
    ];
    const days = buildCalendar(calendarFor(SCHOOL_A, 'Alder Primary')).schoolDaysBetween(
      '2026-09-07',
      '2026-09-25',
    );
    const marks = pupils.flatMap((u) =>
      days.flatMap((date) => [
        { upn: u, date, session: 'AM', code: '/' },
        { upn: u, date, session: 'PM', code: '\\' },
      ]),
    );
    const res = await manager.post('/api/imports', { schoolId: SCHOOL_A, roster: roster.join('\n'), marks });
    expect(res.statusCode).toBe(202);
    const { id } = res.json();

    // Poll as the page does until the job has finished.
    type JobView = {
      status: string;
      phase: string;
      percent: number;
      history: { phase: string; percent: number }[];
      summary: { marks: { inserted: number } };
    };
    const polled: JobView[] = [res.json()];
    await vi.waitFor(
      async () => {
        const poll = await manager.get(`/api/imports/${id}`);
        polled.push(poll.json());
        expect(polled.at(-1)!.status, 'the import to finish').not.toBe('running');
      },
      { timeout: 60_000, interval: 20 },
    );
    const job = polled.at(-1)!;
    expect(job).toMatchObject({ status: 'succeeded', phase: 'done', percent: 100 });
    expect(job.summary.marks.inserted).toBe(marks.length);
    const percents = polled.map((p) => p.percent);
    expect(percents, 'the bar never moves back').toEqual([...percents].sort((a, b) => a - b));

    // However quickly it ran (a poll may see only the start and the end), the job's history holds
    // every step the bar went through: running part-way in each phase, never backwards, then full.
    const steps = job.history.map((h) => `${h.phase} ${h.percent}`);
    expect(steps[0]).toBe('queued 0');
    expect(steps.at(-1)).toBe('done 100');
    const partWay = job.history.filter((h) => h.percent > 0 && h.percent < 100);
    expect(new Set(partWay.map((h) => h.phase)), steps.join(', ')).toEqual(new Set(['validate', 'write']));
    const stepPercents = job.history.map((h) => h.percent);
    expect(stepPercents, steps.join(', ')).toEqual([...stepPercents].sort((a, b) => a - b));
  }, 120_000);

  it('needs something to import and a school in scope', async () => {
    const none = await manager.post('/api/imports', { schoolId: SCHOOL_A });
    expect(none.statusCode).toBe(400);
    expect(none.json().error).toMatch(/nothing to import/);
    const other = await manager.post('/api/imports', {
      schoolId: '999999',
      calendar: calendarFor('999999', 'Elsewhere'),
    });
    expect(other.statusCode).toBe(404);
  });

  it('audits every import, accepted or refused', async () => {
    const { rows } = await t.db.query<{ action: string; school_id: string }>(
      `SELECT action, school_id FROM audit_log WHERE action LIKE 'import.%' ORDER BY id`,
    );
    expect(rows.map((r) => r.action)).toEqual(['import.succeeded', 'import.rejected', 'import.succeeded']);
    expect(rows.every((r) => r.school_id === SCHOOL_A)).toBe(true);
  });

  it('runs one import per school at a time: a second while one runs is a 409 saying so', async () => {
    const managerB = await signIn(t.app, (await makeUser(t.db, 'manager', [SCHOOL_B])).email);
    const body = {
      schoolId: SCHOOL_B,
      calendar: JSON.stringify(calendarFor(SCHOOL_B, 'Birch Primary')),
      roster: `${header}\n${upn(1, SCHOOL_B)},Ola,Brown,4,2015-03-14,,,,,,,`,
    };
    // An import of school B is running (a large one takes minutes; this one is held open).
    const running = t.imports.create(SCHOOL_B, 'someone-else');
    const refused = await managerB.post('/api/imports', body);
    expect([refused.statusCode, refused.json().error]).toEqual([
      409,
      expect.stringMatching(
        /^An import for school 200002 is already running \(started .*\): wait for it to finish/,
      ),
    ]);
    // Another school's import is not held up by it.
    expect(
      (await manager.post('/api/imports?wait=true', { schoolId: SCHOOL_A, roster: `${header}\n` }))
        .statusCode,
    ).not.toBe(409);
    // Once it has finished, the next one runs.
    t.imports.finish(running, { status: 'succeeded' });
    expect((await managerB.post('/api/imports?wait=true', body)).statusCode).toBe(201);
  });

  it('takes at most the rows and size set in config, and says so', async () => {
    const small = await makeTestApp({ db: t.db, env: { IMPORT_MAX_ROWS: '3', IMPORT_MAX_MB: '1' } });
    try {
      const m = await signIn(small.app, (await makeUser(t.db, 'manager', [SCHOOL_A])).email);
      const roster = [
        header,
        ...[1, 2, 3, 4].map((i) => `${upn(500 + i, SCHOOL_A)},P${i},Q,4,2015-03-14,,,,,,,`),
      ].join('\n');
      const tooMany = await m.post('/api/imports?wait=true', { schoolId: SCHOOL_A, roster });
      expect([tooMany.statusCode, tooMany.json().error]).toEqual([
        413,
        // Read as a stream, the file is refused at its fourth row: the rest is never parsed.
        'The roster file has more than 3 rows; an import takes at most 3 (IMPORT_MAX_ROWS). Split it (by term, say) and import each part.',
      ]);
      const tooBig = await m.post('/api/imports?wait=true', {
        schoolId: SCHOOL_A,
        roster: 'x'.repeat(1_100_000),
      });
      expect([tooBig.statusCode, tooBig.json().error]).toEqual([
        413,
        'The request body is too large: at most 1 MB here.',
      ]);
      const { rows } = await t.db.query(`SELECT 1 FROM pupils WHERE upn = $1`, [upn(501, SCHOOL_A)]);
      expect(rows).toEqual([]);
    } finally {
      await small.app.close();
    }
  });
});

describe('POST /api/imports/csv (one file, streamed)', () => {
  const rosterOf = (from: number, n: number) =>
    [
      header,
      ...Array.from({ length: n }, (_, i) => `${upn(from + i, SCHOOL_A)},S${i},Stream,4,2015-03-14,,,,,,,`),
    ].join('\n') + '\n';

  function upload(agent: Agent, query: string, payload: string | Readable) {
    return agent.request({
      method: 'POST',
      url: `/api/imports/csv?${query}`,
      headers: { 'content-type': 'text/csv' },
      payload,
    });
  }

  it('imports a roster sent as the body, read as it arrives', async () => {
    // Sent as a stream (no Content-Length), in pieces that split its lines.
    const csv = rosterOf(700, 3);
    const res = await upload(
      manager,
      `schoolId=${SCHOOL_A}&kind=roster&wait=true`,
      Readable.from(csv.match(/[\s\S]{1,9}/g)!.map((s) => Buffer.from(s))),
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'succeeded', summary: { roster: { rows: 3, inserted: 3 } } });
    const { rows } = await t.db.query(`SELECT 1 FROM pupils WHERE family_name = 'Stream'`);
    expect(rows).toHaveLength(3);
  });

  it('refuses the whole file and names every bad row', async () => {
    const csv = `${header}\n${upn(710, SCHOOL_A)},Ok,Fine,4,2015-03-14,,,,,,,\nX1,,Bad,99,2015-03-14,,,,,,,\n`;
    const res = await upload(manager, `schoolId=${SCHOOL_A}&kind=roster&wait=true`, csv);
    expect(res.statusCode).toBe(400);
    expect(
      res
        .json()
        .rows.map((r: { file: string; line: number; column: string }) => `${r.file}:${r.line}:${r.column}`),
    ).toEqual(['roster:3:upn', 'roster:3:given_name', 'roster:3:year_group']);
    const { rows } = await t.db.query(`SELECT 1 FROM pupils WHERE given_name = 'Ok'`);
    expect(rows).toEqual([]);
    // A NUL character (a binary file sent as CSV, say) no database text can store: a bad row, not a 500.
    const binary = await upload(
      manager,
      `schoolId=${SCHOOL_A}&kind=roster&wait=true`,
      `${header}\n${upn(711, SCHOOL_A)},Nu\u0000ll,Bad,4,2015-03-14,,,,,,,\n`,
    );
    expect([binary.statusCode, binary.json().rows]).toEqual([
      400,
      [expect.objectContaining({ file: 'roster', line: 2, column: 'given_name', value: 'Nu\\0ll' })],
    ]);
  });

  it('is for managers and administrators, in their schools', async () => {
    expect((await upload(officer, `schoolId=${SCHOOL_A}&kind=roster`, rosterOf(720, 1))).statusCode).toBe(
      403,
    );
    expect((await upload(manager, `schoolId=${SCHOOL_B}&kind=roster`, rosterOf(720, 1))).statusCode).toBe(
      404,
    );
  });

  it('stops at the row or byte over the limits set in config, says which, and frees the school for the next import', async () => {
    const small = await makeTestApp({ db: t.db, env: { IMPORT_MAX_ROWS: '3', IMPORT_MAX_MB: '1' } });
    try {
      const m = await signIn(small.app, (await makeUser(t.db, 'manager', [SCHOOL_A])).email);
      const tooMany = await upload(m, `schoolId=${SCHOOL_A}&kind=roster&wait=true`, rosterOf(730, 4));
      expect([tooMany.statusCode, tooMany.json().error]).toEqual([
        413,
        'The roster file has more than 3 rows; an import takes at most 3 (IMPORT_MAX_ROWS). Split it (by term, say) and import each part.',
      ]);
      // Said by its size up front (Content-Length) ...
      const declared = await upload(m, `schoolId=${SCHOOL_A}&kind=marks`, 'x'.repeat(1_100_000));
      expect([declared.statusCode, declared.json().error]).toEqual([
        413,
        'The request body is too large: at most 1 MB here.',
      ]);
      // ... or, sent without one, at the first byte over the limit.
      const streamed = await upload(
        m,
        `schoolId=${SCHOOL_A}&kind=marks`,
        Readable.from(
          (function* () {
            // Two rows, the second with a field that never ends: 1.2 MB in all.
            yield Buffer.from(
              `upn,date,session,code\n${upn(1, SCHOOL_A)},2026-09-07,AM,/\n${upn(1, SCHOOL_A)},`,
            );
            for (let i = 0; i < 40; i++) yield Buffer.from('x'.repeat(30_000));
          })(),
        ),
      );
      expect([streamed.statusCode, streamed.json().error]).toEqual([
        413,
        'The request body is too large: at most 1 MB here.',
      ]);
      const { rows } = await t.db.query(`SELECT 1 FROM pupils WHERE upn = $1`, [upn(730, SCHOOL_A)]);
      expect(rows).toEqual([]);
      // None of the refused uploads holds the school: the next import runs.
      const next = await upload(m, `schoolId=${SCHOOL_A}&kind=roster&wait=true`, rosterOf(740, 1));
      expect(next.statusCode, next.body).toBe(201);
    } finally {
      await small.app.close();
    }
  });

  it('runs one import per school at a time, whichever route it came by', async () => {
    const running = t.imports.create(SCHOOL_A, 'someone-else');
    try {
      const refused = await upload(manager, `schoolId=${SCHOOL_A}&kind=roster`, rosterOf(750, 1));
      expect([refused.statusCode, refused.json().importId]).toEqual([409, running.id]);
    } finally {
      t.imports.finish(running, { status: 'succeeded' });
    }
  });
});
