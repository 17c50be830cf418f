// A what-if run in this process gives the same cases as the real workflows on Temporal: one school's
// families, the same weeks of marks, each policy run both ways; every pupil's timeline (each event's
// day, kind, stage and words) and every letter (its subject, its text as the family reads it, who it
// went to) must be the same. Only what cannot be the same is set aside: the instant a server ran a
// task, and ids made fresh in each run (compared by the order they first appear).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCalendar } from '../../domain/calendar';
import type { IsoDate } from '../../domain/types';
import { loadPolicyFile } from '../../policies';
import { openDb, type Db } from '../../store/db';
import { runImport } from '../../store/imports';
import { rowsFromObjects } from '../../store/rows';
import { upnCheckLetter } from '../../store/validate';
import { runInProcess } from '../../scripts/simulation/inProcess/runInProcess';
import { runSimulation, type SimulationResult } from '../../scripts/simulation/runSimulation';
import { CALENDAR, SCHOOL_ID } from './harness';

const FROM = '2025-11-17'; // ten school weeks into the year: rolling figures are meaningful
const TO = '2025-12-19'; // the end of the autumn term

type Mark = (date: IsoDate, session: 'AM' | 'PM', day: number) => string | null;
const present: Mark = (_d, s) => (s === 'AM' ? '/' : '\\');
const absentWhen =
  (absent: (date: IsoDate, session: 'AM' | 'PM', day: number) => string | null): Mark =>
  (d, s, i) =>
    absent(d, s, i) ?? present(d, s, i);

/** Families a school would recognise, each taking a different route through a policy. */
const FAMILIES: {
  given: string;
  family: string;
  flags?: string;
  email?: string;
  mark: Mark;
}[] = [
  // Absent every sixth day before the period, every third day in it.
  {
    given: 'Amira',
    family: 'Khan',
    mark: absentWhen((d, s, i) =>
      d < FROM ? (i % 6 === 0 && s === 'AM' ? 'O' : null) : i % 3 === 0 ? 'O' : null,
    ),
  },
  // About 92% before the period, then there every day.
  {
    given: 'Ben',
    family: 'Lewis',
    mark: absentWhen((d, s, i) => (d < FROM && i % 6 === 0 && s === 'AM' ? 'O' : null)),
  },
  // About 86%, steady.
  {
    given: 'Cleo',
    family: 'Morris',
    mark: absentWhen((_d, s, i) => (i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null)),
  },
  // The same, with a child-protection flag: nothing goes to the family without a person.
  {
    given: 'Dan',
    family: 'Price',
    flags: 'cp',
    mark: absentWhen((_d, s, i) => (i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null)),
  },
  // Below 50%.
  { given: 'Evie', family: 'Shaw', mark: absentWhen((_d, _s, i) => (i % 4 !== 0 ? 'O' : null)) },
  // Often ill (I), now and then away without a reason.
  {
    given: 'Finn',
    family: 'Hughes',
    mark: absentWhen((_d, _s, i) => (i % 5 === 0 ? 'I' : i % 9 === 0 ? 'O' : null)),
  },
  // No e-mail address: letters go by post.
  {
    given: 'Grace',
    family: 'Patel',
    email: '',
    mark: absentWhen((_d, s, i) => (i % 6 === 0 ? 'O' : i % 10 === 0 && s === 'AM' ? 'O' : null)),
  },
  // There every day.
  { given: 'Harry', family: 'Owen', mark: present },
];

function upn(i: number): string {
  const digits = `8202005${String(i).padStart(5, '0')}`;
  return upnCheckLetter(digits) + digits;
}

async function seedSchool(db: Db): Promise<void> {
  const calendar = buildCalendar(CALENDAR);
  const days = calendar.schoolDaysBetween(calendar.firstSchoolDay, TO);
  await runImport(db, {
    schoolId: SCHOOL_ID,
    calendar: CALENDAR,
    roster: rowsFromObjects(
      FAMILIES.map((f, i) => ({
        upn: upn(i + 1),
        given_name: f.given,
        family_name: f.family,
        year_group: '5',
        date_of_birth: '2015-05-01',
        contact1_name: `Parent of ${f.given} ${f.family}`,
        contact1_email: f.email ?? `parent.${f.given.toLowerCase()}@example.org`,
        contact1_phone: '',
        contact1_address: `${i + 1} Harbour Lane|Bradford`,
        contact1_postcode: 'BD1 1AA',
        flags: f.flags ?? '',
      })),
    ),
    marks: rowsFromObjects(
      FAMILIES.flatMap((f, i) =>
        days.flatMap((date, dayIndex) =>
          (['AM', 'PM'] as const).map((session) => ({
            upn: upn(i + 1),
            date,
            session,
            code: f.mark(date, session, dayIndex)!,
          })),
        ),
      ),
    ),
  });
}

/**
 * Each case as a family and a manager would read it, with what differs between two faithful runs
 * set aside: the instant a task ran (`at`), and ids made in the run, numbered in order of appearance.
 */
function comparable(result: SimulationResult) {
  return result.cases
    .map((c) => {
      const ids = new Map<string, string>();
      const id = (v: string) => {
        if (!ids.has(v)) ids.set(v, `#${ids.size + 1}`);
        return ids.get(v)!;
      };
      const uuids = (s: string) =>
        s
          .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, id)
          .replace(/SHA-256 of its manifest [0-9a-f]{64}/g, 'SHA-256 of its manifest (hash)');
      return {
        upn: c.upn,
        caseId: c.caseId,
        status: c.status,
        stage: c.stage,
        events: c.events.map((e) => {
          const { at: _at, proposalId, ref, text, letter, ...rest } = e;
          return {
            ...rest,
            text: uuids(text),
            ...(proposalId ? { proposalId: id(proposalId) } : {}),
            ...(ref ? { ref: uuids(ref) } : {}),
            ...(letter
              ? { letter: { ...letter, text: uuids(letter.text), subject: uuids(letter.subject) } }
              : {}),
          };
        }),
      };
    })
    .sort((a, b) => a.upn.localeCompare(b.upn));
}

describe('a what-if run in this process gives the cases the workflows give', () => {
  let source: Db;
  beforeAll(async () => {
    source = await openDb({ inMemory: true });
    await seedSchool(source);
  });
  afterAll(async () => {
    await source?.close();
  });

  for (const policyName of ['three-letter-system', 'bradford-staged-intervention', 'five-stage-escalation']) {
    it(`${policyName}: the same timelines and letters for every family, every event`, async () => {
      const policy = loadPolicyFile(policyName);
      const opts = { source, schoolId: SCHOOL_ID, policy, from: FROM, to: TO, approve: 'all' as const };
      const onTemporal = await runSimulation(opts);
      const inProcess = await runInProcess(opts);
      const expected = comparable(onTemporal);
      // The comparison means something only if the policy did things worth comparing: cases on
      // several routes, letters among their events.
      expect(expected.length).toBeGreaterThanOrEqual(5);
      expect(new Set(expected.map((c) => c.events.map((e) => e.type).join())).size).toBeGreaterThanOrEqual(2);
      expect(expected.flatMap((c) => c.events).filter((e) => e.letter).length).toBeGreaterThanOrEqual(2);
      expect(comparable(inProcess)).toEqual(expected);
    }, 600_000);
  }
});
