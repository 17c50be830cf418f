// What the MIS sends, turned into the rows a CSV import would have: a roster row per student and a
// marks row per session. From there the sync is an import like any other (store/imports.ts): the
// same validation, the same one transaction, the same audit of changed marks and contact details.
//
// Register codes: a code the DfE defines is taken as it is; an MIS's own code is taken only through
// the school's code map (Integrations page). A code neither knows is never guessed: the sync stops,
// names the code and how many marks carry it, and nothing is applied.
import { parseRegisterCode } from '../../domain/registerCodes';
import type { RawRow } from '../../store/rows';
import type { SyncProblem } from '../../store/integrations';
import type { WondeContact, WondeSession, WondeStudent } from './client';

/** The two contacts a roster row holds: those with parental responsibility, by the MIS's priority. */
export const CONTACTS_PER_PUPIL = 2;

export interface RosterFromMis {
  rows: RawRow[];
  /** Each row's student, for naming a bad row by the MIS's ids rather than a line number. */
  studentOfLine: Map<number, WondeStudent>;
  /** Wonde student id -> UPN, for marks of pupils not fetched again. */
  upnOfStudent: Map<string, string>;
  /** The rows (by line) of students with no contact with parental responsibility in the MIS. */
  withoutParents: Set<number>;
  problems: SyncProblem[];
}

export function rosterRows(students: readonly WondeStudent[]): RosterFromMis {
  const rows: RawRow[] = [];
  const studentOfLine = new Map<number, WondeStudent>();
  const upnOfStudent = new Map<string, string>();
  const withoutParents = new Set<number>();
  students.forEach((s, i) => {
    const line = i + 1;
    const ed = s.education_details?.data;
    const upn = (ed?.upn ?? '').trim().toUpperCase();
    if (upn) upnOfStudent.set(s.id, upn);
    const values: Record<string, string> = {
      upn,
      given_name: (s.forename ?? '').trim(),
      family_name: (s.surname ?? '').trim(),
      year_group:
        ed?.current_nc_year === null || ed?.current_nc_year === undefined ? '' : String(ed.current_nc_year),
      date_of_birth: s.date_of_birth ?? '',
      // The MIS carries no safeguarding flags: the import keeps those in force (rosterCarriesFlags).
      flags: '',
      start_date: ed?.admission_date ?? '',
      left_on: ed?.leaving_date ?? '',
    };
    const parents = parentsOf(s.contacts?.data ?? []);
    if (parents.length === 0) withoutParents.add(line);
    parents.forEach((c, n) => Object.assign(values, contactColumns(c, n + 1)));
    rows.push({ line, values });
    studentOfLine.set(line, s);
  });
  const problems: SyncProblem[] = [];
  const n = withoutParents.size;
  if (n > 0)
    problems.push({
      kind: 'badRow',
      count: n,
      message: `${n} pupil${n === 1 ? ' has' : 's have'} no contact with parental responsibility in the MIS: a pupil already here keeps the details held for them; add the contact in the MIS`,
    });
  return { rows, studentOfLine, upnOfStudent, withoutParents, problems };
}

/** Contacts with parental responsibility, first by the MIS's priority (1 first), at most two. */
function parentsOf(contacts: readonly WondeContact[]): WondeContact[] {
  return contacts
    .filter((c) => c.relationship?.parental_responsibility === true)
    .sort(
      (a, b) =>
        (a.relationship?.priority ?? 99) - (b.relationship?.priority ?? 99) || a.id.localeCompare(b.id),
    )
    .slice(0, CONTACTS_PER_PUPIL);
}

function contactColumns(c: WondeContact, n: number): Record<string, string> {
  const d = c.contact_details?.data;
  const email = d?.emails?.primary || d?.emails?.email || '';
  const phone = d?.phones?.mobile || d?.phones?.primary || d?.phones?.phone || '';
  const home = d?.addresses?.home;
  const lines = [home?.address_line_1, home?.address_line_2, home?.address_town, home?.address_county]
    .map((l) => (l ?? '').trim())
    .filter((l) => l !== '');
  const postcode = (home?.address_postcode ?? '').trim();
  return {
    [`contact${n}_name`]: [c.forename, c.surname]
      .map((p) => (p ?? '').trim())
      .filter(Boolean)
      .join(' '),
    [`contact${n}_email`]: email.trim(),
    [`contact${n}_phone`]: phone.trim(),
    // An address is taken only whole: lines and a postcode (a posted letter needs both).
    [`contact${n}_address`]: lines.length > 0 && postcode ? lines.join('|') : '',
    [`contact${n}_postcode`]: lines.length > 0 && postcode ? postcode : '',
  };
}

export interface MarksFromMis {
  rows: RawRow[];
  /** Codes neither the DfE's list nor the school's map knows: the sync stops on any. */
  unknownCodes: SyncProblem[];
  /** Marks for students the store cannot place (no UPN known for the MIS's id). */
  unplaced: number;
}

/**
 * One marks row per session. `codeMap` maps the MIS's own codes to DfE codes; `upnOf` finds a
 * student's UPN (from this sync's students, or the ids kept from earlier syncs).
 */
export function markRows(
  sessions: readonly WondeSession[],
  codeOf: (session: WondeSession) => string,
  codeMap: Readonly<Record<string, string>>,
  upnOf: (studentId: string) => string | undefined,
): MarksFromMis {
  const rows: RawRow[] = [];
  const unknown = new Map<string, number>();
  let unplaced = 0;
  sessions.forEach((s, i) => {
    const studentId = typeof s.student === 'string' ? s.student : s.student.data.id;
    const upn = upnOf(studentId);
    if (!upn) {
      unplaced++;
      return;
    }
    const misCode = codeOf(s);
    const code = dfeCode(misCode, codeMap);
    if (code === null) {
      unknown.set(misCode, (unknown.get(misCode) ?? 0) + 1);
      return;
    }
    rows.push({
      line: i + 1,
      values: { upn, date: s.date ?? '', session: s.session.toUpperCase(), code },
    });
  });
  const unknownCodes: SyncProblem[] = [...unknown].map(([code, count]) => ({
    kind: 'unknownCode',
    code,
    count,
    message: `${count} mark${count === 1 ? '' : 's'} carr${count === 1 ? 'ies' : 'y'} the MIS code "${code}", which is not a DfE register code: map it to one in Integrations, then sync again`,
  }));
  return { rows, unknownCodes, unplaced };
}

/** The DfE code for an MIS code: the school's map first, then the DfE's own codes; null if neither. */
export function dfeCode(misCode: string, codeMap: Readonly<Record<string, string>>): string | null {
  const mapped = codeMap[misCode] ?? codeMap[misCode.trim()];
  if (mapped !== undefined) return mapped;
  const parsed = parseRegisterCode(misCode);
  return parsed.ok ? parsed.code : null;
}
