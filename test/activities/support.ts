// Shared fixtures for the case-service activity tests: a real SMTP server on 127.0.0.1 (smtp-server)
// whose received mail is parsed with mailparser, and a store with one school and pupils: in-memory
// PGlite, or any engine of test/store/engines.ts (a PostgreSQL server when TEST_DATABASE_URL is set).
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { buildCalendar } from '../../domain/calendar';
import { letterFigures, type LetterFiguresInput } from '../../domain/letterFigures';
import { MarkGrid } from '../../domain/marks';
import { computePupilFacts } from '../../domain/stats';
import type { PupilFacts, SchoolCalendarFile } from '../../domain/types';
import { openDb, type Db } from '../../store/db';
import type { Engine } from '../store/engines';
import { RACE_POOL_SIZE } from '../store/together';
import { upsertSchool } from '../../store/schools';
import type { Contact } from '../../store/validate';

export const SCHOOL_ID = '100001';

/** Autumn 2024: 2 Sep (Mon) .. 20 Dec, half term 28 Oct - 1 Nov, INSET day Monday 4 Nov. */
export const CALENDAR: SchoolCalendarFile = {
  school: SCHOOL_ID,
  name: 'Oakfield Primary',
  lessonsPerDay: 5,
  terms: [
    {
      name: 'Autumn',
      start: '2024-09-02',
      end: '2024-12-20',
      halfTerm: { start: '2024-10-28', end: '2024-11-01' },
    },
    {
      name: 'Spring',
      start: '2025-01-06',
      end: '2025-04-04',
      halfTerm: { start: '2025-02-17', end: '2025-02-21' },
    },
  ],
  closures: ['2024-11-04'],
};

export interface LocalSmtp {
  url: string;
  received: ParsedMail[];
  /** Resolves when `n` messages have been received in total. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<LocalSmtp> {
  const received: ParsedMail[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push(mail);
          for (const w of waiters.filter((w) => received.length >= w.n)) w.resolve();
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    waitFor: (n) =>
      received.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function openStore(): Promise<Db> {
  const db = await openDb({ inMemory: true });
  await upsertSchool(db, CALENDAR);
  return db;
}

/**
 * The same store on `engine`, with a server pool wide enough for operations that compete
 * (test/store/together.ts). Close it with `engine.dispose(db)`.
 */
export async function openStoreOn(engine: Engine): Promise<Db> {
  const db = await engine.open({ poolSize: RACE_POOL_SIZE });
  await upsertSchool(db, CALENDAR);
  return db;
}

export async function addPupil(
  db: Db,
  p: { givenName: string; familyName: string; yearGroup: number | null; contacts: Contact[] },
  schoolId = SCHOOL_ID,
): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO pupils (id, school_id, upn, given_name, family_name, year_group, contacts)
     VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb)`,
    [id, schoolId, `U${id.slice(0, 12)}`, p.givenName, p.familyName, p.yearGroup, JSON.stringify(p.contacts)],
  );
  return id;
}

/**
 * A pupil's facts on Friday 11 October 2024 (the six school weeks from 2 September), everything
 * present except the sessions given: `absences` maps a register code to the school days (0 = 2
 * September) whose AM (and, with `both`, PM) session it marks.
 */
export function factsWith(absences: { code: string; days: number[]; both?: boolean }[]): PupilFacts {
  const calendar = buildCalendar(CALENDAR);
  const days = calendar.schoolDaysBetween('2024-09-02', '2024-10-11');
  const grid = new MarkGrid();
  for (const d of days) {
    grid.set(d, 'AM', '/');
    grid.set(d, 'PM', '\\');
  }
  for (const a of absences) {
    for (const i of a.days) {
      grid.set(days[i]!, 'AM', a.code);
      if (a.both) grid.set(days[i]!, 'PM', a.code);
    }
  }
  return computePupilFacts({
    pupil: { pupilId: 'p', upn: 'X000000000001', yearGroup: 4 },
    grid,
    calendar,
    asOf: '2024-10-11',
  });
}

/**
 * The figures the case passes to a letter (`letterFigures`), from marks: 60 sessions, 7 missed (ill
 * for a day, two mornings with no reason yet, three mornings away without permission): 88.33%.
 */
export const FIGURES: LetterFiguresInput = letterFigures(
  factsWith([
    { code: 'I', days: [3], both: true },
    { code: 'N', days: [10, 20] },
    { code: 'O', days: [5, 15, 25] },
  ]),
);

/** Figures as a recipe planned before the period's dates and kinds of absence were carried. */
export const OLD_FIGURES: LetterFiguresInput = {
  attendancePct: 88.42,
  windowLabel: 'the 10 school weeks to 2024-10-11',
  unauthorised: 6,
  unexplained: 3,
  lates: 2,
  daysMissed: 5.5,
  lessonsMissed: 27.5,
};

export function mailTo(mail: ParsedMail): string {
  const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
  return to?.value[0]?.address ?? '';
}
