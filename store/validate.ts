// The second stage of every import: raw rows -> typed records, collecting every problem with its
// line and column instead of stopping at the first. Nothing here touches the database.
import { z } from 'zod';
import { isIsoDate } from '../domain/calendar';
import { parseRegisterCode } from '../domain/registerCodes';
import { PUPIL_FLAGS, type IsoDate, type PupilFlag, type Session } from '../domain/types';
import {
  addressLines,
  MAX_ADDRESS_LINE_LENGTH,
  MAX_ADDRESS_LINES,
  normalisePostcode,
} from '../domain/postalAddress';
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
export const ROSTER_OPTIONAL_COLUMNS = [
  'start_date',
  'left_on',
  'sex',
  'sen',
  'pupil_premium',
  // Postal addresses: lines separated by | or new lines (in a quoted field), and the UK postcode.
  'contact1_address',
  'contact1_postcode',
  'contact2_address',
  'contact2_postcode',
] as const;

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
  /**
   * The postal address without the postcode (1 to 5 lines), present only when the roster gives one
   * (with `postcode`): a contact without it is stored exactly as before addresses existed.
   */
  address?: string[];
  /** The UK postcode, written the standard way ("NS1 4AB"); present with `address`. */
  postcode?: string;
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
  /**
   * Characteristics for the dashboard's breakdowns (docs/dashboard.md). Absent (undefined) when the
   * file has no such column: the stored value is then kept, so a roster exported without them never
   * wipes what an earlier one said. `sex` null: not recorded.
   */
  sex?: PupilSex | null;
  sen?: SenProvision;
  pupilPremium?: boolean;
}

/** F or M, as the school census records a pupil's sex. */
export type PupilSex = 'F' | 'M';
/** The census SEN provision codes: N no special educational need, K SEN support, E an EHC plan. */
export type SenProvision = 'N' | 'K' | 'E';

/** A roster's `sex`: F/M or female/male in any case; blank = not recorded (null); else undefined. */
export function parseSex(raw: string): PupilSex | null | undefined {
  const s = raw.trim().toUpperCase();
  if (s === '') return null;
  if (s === 'F' || s === 'FEMALE') return 'F';
  if (s === 'M' || s === 'MALE') return 'M';
  return undefined;
}

/** A roster's `sen`: N, K or E (the census codes, any case); blank = N; else undefined. */
export function parseSen(raw: string): SenProvision | undefined {
  const s = raw.trim().toUpperCase();
  if (s === '') return 'N';
  return s === 'N' || s === 'K' || s === 'E' ? s : undefined;
}

/** A roster's `pupil_premium`: Y/N, yes/no, true/false, 1/0 in any case; blank = no; else undefined. */
export function parseYesNo(raw: string): boolean | undefined {
  const s = raw.trim().toLowerCase();
  if (s === '' || s === 'n' || s === 'no' || s === 'false' || s === '0') return false;
  if (s === 'y' || s === 'yes' || s === 'true' || s === '1') return true;
  return undefined;
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

/**
 * A contact's postal address from its two columns, or null when both are empty. The address's lines
 * are separated by `|` or new lines; a postcode written as the address's last line is taken as the
 * postcode when the postcode column is empty. A posted letter needs both, so one without the other
 * is a problem named on its row, as is a postcode that is not a UK one.
 */
function postalAddressOf(
  n: number,
  rawAddress: string,
  rawPostcode: string,
  bad: (column: string, reason: string) => void,
): { address: string[]; postcode: string } | null {
  if (rawAddress === '' && rawPostcode === '') return null;
  const lines = addressLines(rawAddress);
  let postcode = rawPostcode === '' ? null : normalisePostcode(rawPostcode);
  if (rawPostcode !== '' && postcode === null) {
    bad(`contact${n}_postcode`, 'not a UK postcode (written like NS1 4AB)');
    return null;
  }
  const last = lines.length > 0 ? normalisePostcode(lines[lines.length - 1]!) : null;
  if (last !== null && (postcode === null || postcode === last)) {
    postcode = last;
    lines.pop();
  }
  if (lines.length === 0) {
    bad(
      `contact${n}_address`,
      `contact ${n} has a postcode but no address: give the house and street, and the town (lines separated by |)`,
    );
    return null;
  }
  if (postcode === null) {
    bad(`contact${n}_postcode`, `contact ${n} has an address but no postcode: a posted letter needs one`);
    return null;
  }
  if (lines.length > MAX_ADDRESS_LINES) {
    bad(
      `contact${n}_address`,
      `at most ${MAX_ADDRESS_LINES} lines before the postcode (this has ${lines.length}), so it fits an envelope window`,
    );
    return null;
  }
  const long = lines.find((l) => l.length > MAX_ADDRESS_LINE_LENGTH);
  if (long) {
    bad(
      `contact${n}_address`,
      `the line "${long}" is longer than ${MAX_ADDRESS_LINE_LENGTH} characters: split it with |`,
    );
    return null;
  }
  return { address: lines, postcode };
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

    // Optional characteristics: a column the file lacks leaves the stored value alone.
    const has = (column: string) => column in row.values;
    const sex = has('sex') ? parseSex(v('sex')) : undefined;
    if (has('sex') && sex === undefined)
      bad('sex', 'expected F or M (female or male), or blank when not recorded');
    const sen = has('sen') ? parseSen(v('sen')) : undefined;
    if (has('sen') && sen === undefined)
      bad('sen', 'expected N (no SEN), K (SEN support) or E (EHC plan), the census codes; blank is N');
    const pupilPremium = has('pupil_premium') ? parseYesNo(v('pupil_premium')) : undefined;
    if (has('pupil_premium') && pupilPremium === undefined)
      bad('pupil_premium', 'expected Y or N (yes/no, true/false, 1/0); blank is N');

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
      const rawAddress = v(`contact${n}_address`);
      const rawPostcode = v(`contact${n}_postcode`);
      if (name === '' && email === '' && phone === '' && rawAddress === '' && rawPostcode === '') continue;
      if (name === '') bad(`contact${n}_name`, `contact ${n} has an email, phone or address but no name`);
      if (email !== '' && !emailSchema.safeParse(email).success)
        bad(`contact${n}_email`, 'not an email address');
      if (phone !== '' && !PHONE_RE.test(phone))
        bad(`contact${n}_phone`, 'not a phone number (digits, spaces, + ( ) -)');
      const postal = postalAddressOf(n, rawAddress, rawPostcode, bad);
      contacts.push({ name, email: email || null, phone: phone || null, ...(postal ?? {}) });
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
        ...(sex !== undefined ? { sex } : {}),
        ...(sen !== undefined ? { sen } : {}),
        ...(pupilPremium !== undefined ? { pupilPremium } : {}),
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
