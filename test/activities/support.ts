// Shared fixtures for the case-service activity tests: a real SMTP server on 127.0.0.1 (smtp-server)
// whose received mail is parsed with mailparser, and a store with one school and pupils: in-memory
// PGlite, or any engine of test/store/engines.ts (a PostgreSQL server when TEST_DATABASE_URL is set).
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SchoolCalendarFile } from '../../domain/types';
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
): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO pupils (id, school_id, upn, given_name, family_name, year_group, contacts)
     VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb)`,
    [
      id,
      SCHOOL_ID,
      `U${id.slice(0, 12)}`,
      p.givenName,
      p.familyName,
      p.yearGroup,
      JSON.stringify(p.contacts),
    ],
  );
  return id;
}

export const FIGURES = {
  attendancePct: 88.42,
  windowLabel: 'the last 10 school weeks',
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
