// Parents' postal addresses from the roster: optional columns per contact (the address's lines
// separated by | or by new lines inside a quoted field, and a UK postcode), stored with the contact;
// a bad postcode refuses the whole import, naming its row and column; a changed address is a change
// to where letters go, recorded like an email or phone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPupilByUpn } from '../../store/pupils';
import { calendarFor, SCHOOL_A, upn } from './fixtures';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';

let t: TestApp;
let manager: Agent;

const header =
  'upn,given_name,family_name,year_group,date_of_birth,contact1_name,contact1_email,contact1_phone,contact2_name,contact2_email,contact2_phone,flags,contact1_address,contact1_postcode,contact2_address,contact2_postcode';

beforeAll(async () => {
  t = await makeTestApp();
  manager = await signIn(t.app, (await makeUser(t.db, 'manager', [SCHOOL_A])).email);
  const res = await manager.post('/api/imports?wait=true', {
    schoolId: SCHOOL_A,
    calendar: JSON.stringify(calendarFor(SCHOOL_A, 'Alder Primary')),
  });
  expect(res.statusCode, res.body).toBe(201);
});
afterAll(async () => t?.close());

describe('postal addresses on the roster', () => {
  it('stores each contact’s address lines and postcode, written with | or on lines of a quoted field', async () => {
    const roster = [
      header,
      `${upn(1, SCHOOL_A)},Amira,Khan,4,2015-03-14,Sara Khan,sara@example.org,,Imran Khan,,07700 900002,,` +
        `12 Acacia Row | Little Marston | Northshire,ns1 4ab,"3 Foxglove Street\nFernby\nNorthshire\nNS4 7QT",`,
      // No address at all: the contact is stored exactly as before addresses existed.
      `${upn(2, SCHOOL_A)},Ben,Lewis,R,2019-11-02,Tom Lewis,tom@example.org,,,,,,,,,`,
    ].join('\n');
    const res = await manager.post('/api/imports?wait=true', { schoolId: SCHOOL_A, roster });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().summary.roster).toMatchObject({ rows: 2, inserted: 2 });

    const amira = await getPupilByUpn(t.db, SCHOOL_A, upn(1, SCHOOL_A));
    expect(amira!.contacts).toEqual([
      {
        name: 'Sara Khan',
        email: 'sara@example.org',
        phone: null,
        address: ['12 Acacia Row', 'Little Marston', 'Northshire'],
        postcode: 'NS1 4AB',
      },
      {
        name: 'Imran Khan',
        email: null,
        phone: '07700 900002',
        // The postcode written as the address's last line, the postcode column left empty.
        address: ['3 Foxglove Street', 'Fernby', 'Northshire'],
        postcode: 'NS4 7QT',
      },
    ]);
    const ben = await getPupilByUpn(t.db, SCHOOL_A, upn(2, SCHOOL_A));
    expect(ben!.contacts).toEqual([{ name: 'Tom Lewis', email: 'tom@example.org', phone: null }]);
  });

  it('refuses a bad postcode, and an address without one, naming the row and the column', async () => {
    const roster = [
      header,
      `${upn(3, SCHOOL_A)},Cleo,Morris,6,2016-01-30,Jade Morris,jade@example.org,,,,,,1 Elm Road | Northshire,NS1 ZZZ,,`,
      `${upn(4, SCHOOL_A)},Dan,Price,6,2016-02-28,Kim Price,kim@example.org,,,,,,2 Elm Road | Northshire,,,`,
      `${upn(5, SCHOOL_A)},Eve,Shaw,6,2016-03-28,Lou Shaw,lou@example.org,,,,,,,NS2 3AB,,`,
    ].join('\n');
    const res = await manager.post('/api/imports?wait=true', { schoolId: SCHOOL_A, roster });
    expect(res.statusCode).toBe(400);
    const rows = res.json().rows as {
      file: string;
      line: number;
      column: string;
      value: string;
      reason: string;
    }[];
    expect(rows).toEqual([
      {
        file: 'roster',
        line: 2,
        column: 'contact1_postcode',
        value: 'NS1 ZZZ',
        reason: 'not a UK postcode (written like NS1 4AB)',
      },
      expect.objectContaining({
        line: 3,
        column: 'contact1_postcode',
        reason: 'contact 1 has an address but no postcode: a posted letter needs one',
      }),
      expect.objectContaining({
        line: 4,
        column: 'contact1_address',
        reason: expect.stringMatching(/no address/),
      }),
    ]);
    // All or nothing: none of the three pupils was added.
    expect(await getPupilByUpn(t.db, SCHOOL_A, upn(3, SCHOOL_A))).toBeNull();
  });

  it('are in the sample roster, which imports with them', async () => {
    const sample = (await manager.get('/api/imports/samples/roster.csv')).body;
    expect(sample.split('\n')[0]).toContain(
      'contact1_address,contact1_postcode,contact2_address,contact2_postcode',
    );
    const res = await manager.post('/api/imports?wait=true', { schoolId: SCHOOL_A, roster: sample });
    expect(res.statusCode, res.body).toBe(201);
    const { rows } = await t.db.query<{ contacts: { address?: string[]; postcode?: string }[] }>(
      `SELECT contacts FROM pupils WHERE school_id = $1 AND given_name = 'Ben' AND family_name = 'Sample'`,
      [SCHOOL_A],
    );
    expect(rows[0]!.contacts[1]).toMatchObject({
      address: ['3 Foxglove Street', 'Fernby', 'Northshire'],
      postcode: 'NS4 7QT',
    });
  });

  it('records a changed address as a change to where letters go', async () => {
    const roster = [
      header,
      `${upn(1, SCHOOL_A)},Amira,Khan,4,2015-03-14,Sara Khan,sara@example.org,,Imran Khan,,07700 900002,,` +
        `40 Kestrel Rise | Hollowmere | Northshire,NS7 2PX,3 Foxglove Street | Fernby | Northshire,NS4 7QT`,
    ].join('\n');
    const res = await manager.post('/api/imports?wait=true', { schoolId: SCHOOL_A, roster });
    expect(res.statusCode, res.body).toBe(201);
    const { rows } = await t.db.query<{
      field: string;
      old_value: string;
      new_value: string;
      status: string;
    }>(`SELECT field, old_value, new_value, status FROM pupil_changes ORDER BY id`);
    expect(rows).toEqual([
      {
        field: 'contact1_address',
        old_value: '12 Acacia Row\nLittle Marston\nNorthshire',
        new_value: '40 Kestrel Rise\nHollowmere\nNorthshire',
        status: 'applied',
      },
      { field: 'contact1_postcode', old_value: 'NS1 4AB', new_value: 'NS7 2PX', status: 'applied' },
    ]);
    const amira = await getPupilByUpn(t.db, SCHOOL_A, upn(1, SCHOOL_A));
    expect(amira!.contacts[0]).toMatchObject({
      address: ['40 Kestrel Rise', 'Hollowmere', 'Northshire'],
      postcode: 'NS7 2PX',
    });
  });
});
