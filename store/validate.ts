// The second stage of every import: raw rows -> typed records, collecting every problem with its
// line and column instead of stopping at the first. Nothing here touches the database.
import { z } from 'zod';
import { isIsoDate } from '../domain/calendar';
import { parseRegisterCode } from '../domain/registerCodes';
import { PUPIL_FLAGS, type IsoDate, type PupilFlag, type Session } from '../domain/types';
import type { RowError } from './errors';
import type { ProgressCallback, RawRow } from './rows';

export const ROSTER_COLUMNS = [
  'upn',
  'given_name',
  'family_name',
  'year_group',
  'date_of_birth',
  'contact1_name',
  'contact1_email',
  'contact1_phone',
  'contact2_name',
  'contact2_email',
  'contact2_phone',
  'flags',
] as const;
/** Optional roster columns: when present they are validated and stored. */
export const ROSTER_OPTIONAL_COLUMNS = ['start_date', 'left_on'] as const;

export const MARKS_COLUMNS = ['upn', 'date', 'session', 'code'] as const;

// ---------------------------------------------------------------------------------------------
// UPN

const UPN_CHECK_LETTERS = 'ABCDEFGHJKLMNPQRTUVWXYZ';

/**
 * The DfE check letter of a permanent UPN's last 12 characters: each digit times its character
 * position (2..13), summed, modulo 23, mapped to A-Z without I, O and S.
 */
export function upnCheckLetter(digits12: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (digits12.charCodeAt(i) - 48) * (i + 2);
  return UPN_CHECK_LETTERS[sum % 23]!;
}

/** A reason when the text is not a valid permanent UPN (upper-cased and trimmed first), else null. */
export function upnProblem(upn: string): string | null {
  if (!/^[A-Z]\d{12}$/.test(upn)) {
    return 'a UPN is 13 characters: a check letter then 12 digits';
  }
  const expected = upnCheckLetter(upn.slice(1));
  return upn[0] === expected
    ? null
    : `the check letter should be ${expected} for these digits (mistyped UPN?)`;
}

export function normaliseUpn(raw: string): string {
  return raw.trim().toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// Roster

export interface Contact {
  name: string;
  email: string | null;
  phone: string | null;
}

export interface RosterRecord {
  line: number;
  upn: string;
  givenName: string;
  familyName: string;
  yearGroup: number;
  dateOfBirth: IsoDate;
  startDate: IsoDate | null;
  leftOn: IsoDate | null;
  flags: PupilFlag[];
  contacts: Contact[];
}

/**
 * Year groups: 1..14 as numbers (an optional "Y"/"Year" prefix is allowed), R (reception) = 0,
 * N2 or N (the nursery year before reception) = -1, N1 = -2. Numbers -2..0 are accepted as written.
 */
export function parseYearGroup(raw: string): number | null {
  const s = raw
    .trim()
    .toUpperCase()
    .replace(/^(YEAR|YR|Y)\s*/, '');
  if (s === 'R') return 0;
  if (s === 'N' || s === 'N2') return -1;
  if (s === 'N1') return -2;
  if (!/^-?\d{1,2}$/.test(s)) return null;
  const n = Number(s);
  return n >= -2 && n <= 14 ? n : null;
}

const emailSchema = z.email();
const PHONE_RE = /^\+?[0-9 ()-]{7,20}$/;

/** ISO `YYYY-MM-DD`, or the UK `DD/MM/YYYY` that MIS exports often use; null when neither (rosters and marks). */
export function parseRosterDate(raw: string): IsoDate | null {
  const s = raw.trim();
  if (isIsoDate(s)) return s;
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (!m) return null;
  const iso = `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  return isIsoDate(iso) ? iso : null;
}

export function validateRosterRows(rows: readonly RawRow[]): { records: RosterRecord[]; errors: RowError[] } {
  const errors: RowError[] = [];
  const records: RosterRecord[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const v = (column: string): string => (row.values[column] ?? '').trim();
    const bad = (column: string, reason: string): void => {
      errors.push({ line: row.line, column, value: v(column), reason });
    };
    const before = errors.length;

    const upn = normaliseUpn(v('upn'));
    const upnReason = upn === '' ? 'the UPN is missing' : upnProblem(upn);
    if (upnReason) bad('upn', upnReason);
    else if (seen.has(upn)) bad('upn', `duplicate UPN: already on line ${seen.get(upn)}`);
    else seen.set(upn, row.line);

    if (v('given_name') === '') bad('given_name', 'the given name is missing');
    if (v('family_name') === '') bad('family_name', 'the family name is missing');

    const yearGroup = parseYearGroup(v('year_group'));
    if (yearGroup === null) bad('year_group', 'expected 1 to 14, R (reception), N2/N or N1 (nursery)');

    const dateOfBirth = parseRosterDate(v('date_of_birth'));
    if (dateOfBirth === null) bad('date_of_birth', 'expected a real date written YYYY-MM-DD (or DD/MM/YYYY)');

    const optionalDate = (column: string): IsoDate | null => {
      if (v(column) === '') return null;
      const d = parseRosterDate(v(column));
      if (d === null) bad(column, 'expected a real date written YYYY-MM-DD (or DD/MM/YYYY)');
      return d;
    };
    const startDate = optionalDate('start_date');
    const leftOn = optionalDate('left_on');
    if (startDate && leftOn && leftOn < startDate)
      bad('left_on', `the leaving date is before the start date ${startDate}`);

    const flags: PupilFlag[] = [];
    for (const part of v('flags').split(/[;,]/)) {
      const flag = part
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_');
      if (flag === '') continue;
      if (!(PUPIL_FLAGS as readonly string[]).includes(flag)) {
        bad(
          'flags',
          `unknown flag "${part.trim()}": expected any of ${PUPIL_FLAGS.join(', ')} separated by ;`,
        );
      } else if (!flags.includes(flag as PupilFlag)) {
        flags.push(flag as PupilFlag);
      }
    }

    const contacts: Contact[] = [];
    for (const n of [1, 2]) {
      const name = v(`contact${n}_name`);
      const email = v(`contact${n}_email`);
      const phone = v(`contact${n}_phone`);
      if (name === '' && email === '' && phone === '') continue;
      if (name === '') bad(`contact${n}_name`, `contact ${n} has an email or phone but no name`);
      if (email !== '' && !emailSchema.safeParse(email).success)
        bad(`contact${n}_email`, 'not an email address');
      if (phone !== '' && !PHONE_RE.test(phone))
        bad(`contact${n}_phone`, 'not a phone number (digits, spaces, + ( ) -)');
      contacts.push({ name, email: email || null, phone: phone || null });
    }

    if (errors.length === before) {
      records.push({
        line: row.line,
        upn,
        givenName: v('given_name'),
        familyName: v('family_name'),
        yearGroup: yearGroup!,
        dateOfBirth: dateOfBirth!,
        startDate,
        leftOn,
        flags,
        contacts,
      });
    }
  }
  return { records, errors };
}

// ---------------------------------------------------------------------------------------------
// Marks

export interface MarkRecord {
  line: number;
  upn: string;
  date: IsoDate;
  session: Session;
  code: string;
}

export interface MarksContext {
  /** UPNs on the roster (in the store or in the same import). */
  knownUpns: ReadonlySet<string>;
  /** From the school's calendar. */
  isSchoolDay(date: IsoDate): boolean;
}

/**
 * Marks on a day that is not a school day are errors, except `#` (planned closure), which MIS
 * exports write on INSET and closure days: those rows are accepted and skipped.
 */
export function validateMarkRows(
  rows: readonly RawRow[],
  context: MarksContext,
  onProgress?: ProgressCallback,
): { records: MarkRecord[]; skipped: number; errors: RowError[] } {
  const errors: RowError[] = [];
  const records: MarkRecord[] = [];
  let skipped = 0;
  const upnChecked = new Map<string, string | null>();
  const total = rows.length;
  for (let i = 0; i < total; i++) {
    const row = rows[i]!;
    if (onProgress && i % 50_000 === 0) onProgress({ phase: 'validate', done: i, total });
    const v = (column: string): string => (row.values[column] ?? '').trim();
    const bad = (column: string, reason: string): void => {
      errors.push({ line: row.line, column, value: v(column), reason });
    };
    const before = errors.length;

    const upn = normaliseUpn(v('upn'));
    let upnReason = upnChecked.get(upn);
    if (upnReason === undefined) {
      upnReason =
        upn === ''
          ? 'the UPN is missing'
          : (upnProblem(upn) ?? (context.knownUpns.has(upn) ? null : 'this UPN is not on the school roster'));
      upnChecked.set(upn, upnReason);
    }
    if (upnReason) bad('upn', upnReason);

    const session = v('session').toUpperCase();
    if (session !== 'AM' && session !== 'PM') bad('session', 'expected AM or PM');

    const parsed = parseRegisterCode(v('code'));
    if (!parsed.ok) bad('code', parsed.reason);

    // A register export from the MIS often writes 31/01/2026: taken as the same day, stored as ISO.
    const date = parseRosterDate(v('date'));
    let skip = false;
    if (date === null) bad('date', 'expected a real date written YYYY-MM-DD (or DD/MM/YYYY)');
    else if (!context.isSchoolDay(date)) {
      if (parsed.ok && parsed.code === '#') skip = true;
      else
        bad(
          'date',
          'not a school day in the school calendar (weekend, holiday, closure or outside the terms)',
        );
    }

    if (errors.length === before) {
      if (skip) skipped++;
      else
        records.push({
          line: row.line,
          upn,
          date: date!,
          session: session as Session,
          code: (parsed as { code: string }).code,
        });
    }
  }
  onProgress?.({ phase: 'validate', done: total, total });
  return { records, skipped, errors };
}
