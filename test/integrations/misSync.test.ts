// Registers that arrive from the school's MIS by themselves (issue 17): through the real Wonde-style
// client, against a stand-in of the documented API on loopback, into a real embedded PostgreSQL. The
// sync is an import like an upload: the same figures, every bad record named, all or nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCalendar } from '../../domain/calendar';
import { computePupilFacts } from '../../domain/stats';
import type { IsoDate, PupilFacts } from '../../domain/types';
import type { MisConnection } from '../../integrations/connections';
import { syncFromMis } from '../../integrations/misSync';
import { openDb, type Db } from '../../store/db';
import { parseMarksCsv, parseRosterCsv, runImport } from '../../store/imports';
import { listSyncs } from '../../store/integrations';
import { loadMarkGrid } from '../../store/marks';
import { listPupils } from '../../store/pupils';
import { startWondeStandIn, type WondeStandIn } from '../support/wondeStandIn';
import { CALENDAR, SCHOOL_ID, upnFor } from '../workflows/harness';
import { marksCsv, rosterCsv, STUDENTS, WEEK, weekOfMarks } from './misSchool';

const FRIDAY: IsoDate = '2025-11-21';
/** The school's clock: Friday afternoon, as the registers of the week are in. */
let now = new Date('2025-11-21T15:00:00Z');
const anHourBefore = (t: Date) => () => new Date(t.getTime() - 3_600_000);
/** Later that afternoon: what the office changes now is stamped after the last sync. */
function later(): void {
  now = new Date(now.getTime() + 30 * 60_000);
  const at = new Date(now.getTime() - 60_000);
  mis.setClock(() => at);
}
let mis: WondeStandIn;

async function schoolWithCalendar(): Promise<Db> {
  const db = await openDb({ inMemory: true });
  await runImport(db, { schoolId: SCHOOL_ID, calendar: CALENDAR });
  return db;
}

function connectionTo(mis: WondeStandIn, codeMap: Record<string, string> = {}): MisConnection {
  return {
    provider: 'wonde',
    baseUrl: mis.baseUrl,
    misSchoolId: mis.schoolId,
    token: mis.token,
    codeMap,
    source: 'school',
  };
}

const sync = (db: Db, mis: WondeStandIn, codeMap: Record<string, string> = {}) =>
  syncFromMis({
    db,
    connection: connectionTo(mis, codeMap),
    schoolId: SCHOOL_ID,
    trigger: 'manual',
    now: () => now,
    // A refused request is tried again at once here (the MIS's Retry-After is still honoured).
    client: { backoffMs: 10, perPage: 2 },
  });

/** Each pupil's figures on Friday, by UPN, without the store's own ids. */
async function figuresByUpn(db: Db): Promise<Map<string, Omit<PupilFacts, 'pupilId'>>> {
  const calendar = buildCalendar(CALENDAR);
  const out = new Map<string, Omit<PupilFacts, 'pupilId'>>();
  for (const pupil of await listPupils(db, SCHOOL_ID)) {
    const p = pupil;
    const { pupilId: _id, ...facts } = computePupilFacts({
      pupil: {
        pupilId: p.id,
        upn: pupil.upn,
        yearGroup: pupil.yearGroup,
        flags: pupil.flags,
        startDate: pupil.startDate,
        leftOn: pupil.leftOn,
      },
      grid: await loadMarkGrid(db, p.id),
      calendar,
      asOf: FRIDAY,
    });
    out.set(pupil.upn, facts);
  }
  return out;
}

async function rosterByUpn(db: Db) {
  const out = new Map<string, unknown>();
  for (const pupil of await listPupils(db, SCHOOL_ID)) {
    const { id: _id, ...rest } = pupil;
    out.set(pupil.upn, rest);
  }
  return out;
}

describe('registers from the MIS', () => {
  let db: Db;
  // A fresh MIS and a fresh store for each story.
  beforeEach(async () => {
    mis = await startWondeStandIn();
    db = await schoolWithCalendar();
    now = new Date('2025-11-21T15:00:00Z');
    mis.setClock(anHourBefore(now));
    mis.putStudents(STUDENTS);
    mis.putSessions(weekOfMarks());
    mis.requests.length = 0;
  });
  afterEach(async () => {
    await db?.close();
    await mis?.close();
  });

  it('brings the roster, the parents and a week of marks, with the same figures as the same school uploaded by CSV', async () => {
    const res = await sync(db, mis);
    expect(res.counts).toMatchObject({ students: 3, sessions: 30, pupilsInserted: 3, marksInserted: 30 });

    const uploaded = await schoolWithCalendar();
    try {
      await runImport(uploaded, {
        schoolId: SCHOOL_ID,
        roster: await parseRosterCsv(rosterCsv()),
        marks: await parseMarksCsv(marksCsv()),
      });
      expect(await rosterByUpn(db)).toEqual(await rosterByUpn(uploaded));
      expect(await figuresByUpn(db)).toEqual(await figuresByUpn(uploaded));
    } finally {
      await uploaded.close();
    }

    // Read as the office would: Amira's letters go to her mother and father, not her aunt, and her
    // mother's letters by post go to the address in the MIS.
    const amira = (await rosterByUpn(db)).get(upnFor(1)) as { contacts: unknown[] };
    expect(amira.contacts).toEqual([
      {
        name: 'Sara Khan',
        email: 'sara.khan@example.org',
        phone: '07700 900123',
        address: ['12 Harbour Lane', 'Seaton'],
        postcode: 'EX12 2AB',
      },
      { name: 'Omar Khan', email: 'omar.khan@example.org', phone: null },
    ]);
    const week = (await figuresByUpn(db)).get(upnFor(1))!.windows.rolling10;
    expect({ unexplained: week.unexplained, illness: week.illness }).toEqual({ unexplained: 2, illness: 1 });
  });

  it('asks only for what changed since the last sync, and a mark re-coded three days later replaces the old one', async () => {
    await sync(db, mis);
    // The doctor's note for Monday morning came, and the office re-codes the N as I.
    later();
    mis.putSessions([{ studentId: 'A1000001', date: WEEK[0]!, session: 'AM', code: 'I' }]);
    mis.requests.length = 0;

    const second = await sync(db, mis);
    expect(second.changedSince).not.toBeNull();
    expect(second.counts).toMatchObject({ students: 0, sessions: 1, marksChanged: 1, marksInserted: 0 });
    const asked = mis.requests.filter((r) => r.path.endsWith('/attendance/session'));
    expect(asked.map((r) => r.query.updated_after)).toEqual([
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
    ]);

    const week = (await figuresByUpn(db)).get(upnFor(1))!.windows.rolling10;
    expect({ unexplained: week.unexplained, illness: week.illness }).toEqual({ unexplained: 1, illness: 2 });
    const { rows } = await db.query<{ date: string; session: string; old_code: string; new_code: string }>(
      `SELECT date::text AS date, session, old_code, new_code FROM mark_changes`,
    );
    expect(rows).toEqual([{ date: WEEK[0], session: 'AM', old_code: 'N', new_code: 'I' }]);
  });

  it('tries a page the MIS refused as "too many requests" again, after the time the MIS asked for', async () => {
    mis.failNext('/students', 1, 429, { retryAfterSeconds: 1 });
    const res = await sync(db, mis);
    expect(res.counts.retries).toBe(1);
    const students = mis.requests.filter((r) => r.path.endsWith('/students'));
    expect(students.map((r) => r.status)).toEqual([429, 200, 200]); // then both pages (2 a page)
    expect(await listPupils(db, SCHOOL_ID)).toHaveLength(3);
  });

  it('changes nothing when the MIS fails part-way, and says why on the sync’s record', async () => {
    await sync(db, mis);
    later();
    mis.putSessions([{ studentId: 'A1000002', date: WEEK[4]!, session: 'PM', code: 'O' }]);
    mis.putStudents([{ ...STUDENTS[1]!, surname: 'Cole-Hart' }]);
    const before = { roster: await rosterByUpn(db), figures: await figuresByUpn(db) };
    // The students arrive; the marks' first page fails every time it is asked for.
    mis.failNext('/attendance/session', 10, 500);

    await expect(sync(db, mis)).rejects.toThrow(/the MIS answered 500/);
    expect(await rosterByUpn(db)).toEqual(before.roster);
    expect(await figuresByUpn(db)).toEqual(before.figures);
    const [latest] = await listSyncs(db, SCHOOL_ID, 1);
    expect(latest).toMatchObject({ status: 'failed', error: expect.stringMatching(/the MIS answered 500/) });
  });

  it('never guesses a code it does not know: the sync stops, names it, and goes through once it is mapped', async () => {
    mis.putSessions([{ studentId: 'A1000003', date: WEEK[2]!, session: 'AM', code: 'Z9' }]);
    await expect(sync(db, mis)).rejects.toThrow(/not mapped \(Z9\)/);
    expect(await listPupils(db, SCHOOL_ID)).toHaveLength(0);
    const [failed] = await listSyncs(db, SCHOOL_ID, 1);
    expect(failed!.problems).toContainEqual(
      expect.objectContaining({
        kind: 'unknownCode',
        code: 'Z9',
        count: 1,
        message: expect.stringMatching(/map it to one in Integrations/),
      }),
    );

    // The school says its Z9 (study leave) is the DfE's S.
    later();
    await sync(db, mis, { Z9: 'S' });
    const cara = (await figuresByUpn(db)).get(upnFor(3))!.windows.rolling10;
    expect(cara.authorised).toBe(1);
  });

  it('names a record it cannot import by the MIS’s own ids, and imports none of the rest', async () => {
    mis.putStudents([
      {
        ...STUDENTS[2]!,
        id: 'A1000004',
        misId: '14004',
        forename: 'Dan',
        upn: 'not-a-upn',
        contacts: [],
      },
    ]);
    await expect(sync(db, mis)).rejects.toThrow(/cannot be imported/);
    const [failed] = await listSyncs(db, SCHOOL_ID, 1);
    expect(failed!.problems.map((p) => p.message)).toContainEqual(
      expect.stringMatching(/^student A1000004 \(MIS id 14004\): upn: /),
    );
    expect(await listPupils(db, SCHOOL_ID)).toHaveLength(0);
  });

  it('reads the whole roster again on the next school day, so a parent’s new address is not missed', async () => {
    await sync(db, mis);
    // Monday: the MIS says nothing changed, but the day's first sync reads every pupil.
    now = new Date('2025-11-24T09:00:00Z');
    mis.requests.length = 0;
    const monday = await sync(db, mis);
    expect(monday.counts).toMatchObject({ students: 3, rosterFull: true, pupilsUpdated: 0 });
    now = new Date('2025-11-24T14:00:00Z');
    expect((await sync(db, mis)).counts).toMatchObject({ students: 0, rosterFull: false });
  });

  it('never wipes a pupil’s parents because the MIS has none with parental responsibility', async () => {
    await sync(db, mis);
    later();
    mis.putStudents([
      {
        ...STUDENTS[0]!,
        contacts: STUDENTS[0]!.contacts.map((c) => ({ ...c, parentalResponsibility: false })),
      },
    ]);
    const res = await sync(db, mis);
    expect(res.problems).toContainEqual(expect.objectContaining({ kind: 'badRow', count: 1 }));
    const amira = (await rosterByUpn(db)).get(upnFor(1)) as { contacts: { name: string }[] };
    expect(amira.contacts.map((c) => c.name)).toEqual(['Sara Khan', 'Omar Khan']);
  });

  it('refuses to apply a sync that fetched first but would commit after a later one', async () => {
    await sync(db, mis);
    // A sync that began an hour before the one just applied (a slow attempt, or a second one).
    now = new Date(now.getTime() - 3_600_000);
    await expect(sync(db, mis)).rejects.toThrow(
      /a sync started after this one has already brought newer registers/,
    );
  });
});
