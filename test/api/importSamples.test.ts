// A school office starting out downloads the three sample files from the Imports page, fills them in
// and imports them. The samples must import as they are (UK dates and all), or they teach the wrong
// format: this test downloads each and imports them through the API as a manager would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';

let t: TestApp;
let manager: Agent;
let officer: Agent;

beforeAll(async () => {
  t = await makeTestApp({ now: () => Date.parse('2026-11-30T10:00:00Z') });
  const admin = await makeUser(t.db, 'admin', [], { allSchools: true });
  manager = await signIn(t.app, admin.email);
  officer = await signIn(t.app, (await makeUser(t.db, 'officer', [], { allSchools: true })).email);
}, 60_000);
afterAll(async () => t?.close());

describe('the sample import files', () => {
  it('download as files named for what they are', async () => {
    const roster = await manager.get('/api/imports/samples/roster.csv');
    expect(roster.statusCode).toBe(200);
    expect(roster.headers['content-type']).toMatch(/^text\/csv/);
    expect(roster.headers['content-disposition']).toBe('attachment; filename="sample-roster.csv"');
    expect(roster.body.split('\n')[0]).toBe(
      'upn,given_name,family_name,year_group,date_of_birth,contact1_name,contact1_email,contact1_phone,contact2_name,contact2_email,contact2_phone,flags,start_date,left_on,sex,sen,pupil_premium,contact1_address,contact1_postcode,contact2_address,contact2_postcode',
    );
    expect((await manager.get('/api/imports/samples/pupils.xlsx')).statusCode).toBe(400);
    expect((await officer.get('/api/imports/samples/roster.csv')).statusCode).toBe(403);
  });

  it('import as they are: the calendar, two pupils and their first two days of marks, UK dates included', async () => {
    const calendar = JSON.parse((await manager.get('/api/imports/samples/calendar.json')).body);
    calendar.school = 'SAMPLE1';
    const roster = (await manager.get('/api/imports/samples/roster.csv')).body;
    const marks = (await manager.get('/api/imports/samples/marks.csv')).body;
    expect(marks).toMatch(/\d{2}\/\d{2}\/\d{4},AM/);
    const res = await manager.post('/api/imports?wait=true', {
      schoolId: 'SAMPLE1',
      calendar: JSON.stringify(calendar),
      roster,
      marks,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().summary).toMatchObject({
      calendar: { status: 'inserted' },
      roster: { inserted: 2 },
      marks: { inserted: 8 },
    });
  });
});
