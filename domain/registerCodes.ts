// The register codes of England (School Attendance (Pupil Registration) (England) Regulations 2024,
// in force from 19 August 2024) as data, with the statistical class each one counts in.
// See docs/attendance-maths.md for how the classes feed the figures.
import type { CodeClass } from './types';

export interface RegisterCode {
  code: string;
  cls: CodeClass;
  meaning: string;
}

export const REGISTER_CODES: readonly RegisterCode[] = Object.freeze([
  // Present
  { code: '/', cls: 'present', meaning: 'Present (AM)' },
  { code: '\\', cls: 'present', meaning: 'Present (PM)' },
  { code: 'L', cls: 'present', meaning: 'Late, arrived before the register closed' },
  // Attending an approved educational activity (counts as attendance)
  {
    code: 'K',
    cls: 'approvedActivity',
    meaning: 'Attending education provision arranged by the local authority',
  },
  { code: 'V', cls: 'approvedActivity', meaning: 'Attending an educational visit or trip' },
  { code: 'P', cls: 'approvedActivity', meaning: 'Participating in a supervised sporting activity' },
  { code: 'W', cls: 'approvedActivity', meaning: 'Attending work experience' },
  { code: 'B', cls: 'approvedActivity', meaning: 'Attending any other approved educational activity' },
  // Authorised absence
  { code: 'C', cls: 'authorised', meaning: 'Leave of absence for exceptional circumstances' },
  {
    code: 'C1',
    cls: 'authorised',
    meaning: 'Leave of absence to participate in a regulated performance or employment abroad',
  },
  {
    code: 'C2',
    cls: 'authorised',
    meaning: 'Leave of absence for a compulsory school age pupil subject to a part-time timetable',
  },
  {
    code: 'E',
    cls: 'authorised',
    meaning: 'Suspended or permanently excluded, no alternative provision made',
  },
  { code: 'I', cls: 'authorised', meaning: 'Illness (not medical or dental appointment)' },
  { code: 'M', cls: 'authorised', meaning: 'Medical or dental appointment' },
  { code: 'J1', cls: 'authorised', meaning: 'Leave of absence to attend an interview' },
  { code: 'R', cls: 'authorised', meaning: 'Religious observance' },
  { code: 'S', cls: 'authorised', meaning: 'Study leave' },
  { code: 'T', cls: 'authorised', meaning: 'Parent travelling for occupational purposes (mobile child)' },
  // Unauthorised absence
  {
    code: 'G',
    cls: 'unauthorised',
    meaning: 'Holiday not agreed, or days taken in excess of an agreed leave',
  },
  { code: 'N', cls: 'unauthorised', meaning: 'Reason for absence not yet provided' },
  { code: 'O', cls: 'unauthorised', meaning: 'Absent in other or unknown circumstances' },
  { code: 'U', cls: 'unauthorised', meaning: 'Arrived in school after the register closed' },
  // Not counted in possible attendance
  { code: 'D', cls: 'notPossible', meaning: 'Dual registered, attending the other school' },
  { code: 'X', cls: 'notPossible', meaning: 'Not required to be in school (non-compulsory school age)' },
  { code: 'Q', cls: 'notPossible', meaning: 'Unable to attend because of a lack of access arrangements' },
  { code: 'Y1', cls: 'notPossible', meaning: 'Unable to attend: transport normally provided not available' },
  { code: 'Y2', cls: 'notPossible', meaning: 'Unable to attend: widespread disruption to travel' },
  { code: 'Y3', cls: 'notPossible', meaning: 'Unable to attend: part of the school premises closed' },
  { code: 'Y4', cls: 'notPossible', meaning: 'Unable to attend: whole school site unexpectedly closed' },
  { code: 'Y5', cls: 'notPossible', meaning: 'Unable to attend: in criminal justice detention' },
  { code: 'Y6', cls: 'notPossible', meaning: 'Unable to attend: public health guidance or law' },
  { code: 'Y7', cls: 'notPossible', meaning: 'Unable to attend: any other unavoidable cause' },
  // Administrative
  { code: 'Z', cls: 'administrative', meaning: 'Prospective pupil not yet on roll' },
  { code: '#', cls: 'administrative', meaning: 'Planned whole or partial school closure' },
] as RegisterCode[]);

/** Codes retired on 19 August 2024, each with the message that names its replacement. */
export const RETIRED_CODES: Readonly<Record<string, string>> = Object.freeze({
  H: 'code "H" was retired in August 2024: use C for authorised leave or G for a holiday not agreed',
  J: 'code "J" was retired in August 2024: use J1 for leave to attend an interview',
  Y: 'code "Y" was retired in August 2024: use one of Y1 to Y7 for the unavoidable cause',
});

/** The codes that count towards the penalty-notice threshold unless a policy says otherwise. */
export const DEFAULT_PENALTY_CODES: readonly string[] = Object.freeze(['G', 'N', 'O', 'U']);

const BY_CODE: ReadonlyMap<string, RegisterCode> = new Map(REGISTER_CODES.map((c) => [c.code, c]));

/** The current (2024) code, exactly as written; undefined for unknown or retired codes. */
export function lookupCode(code: string): RegisterCode | undefined {
  return BY_CODE.get(code);
}

export function isAttendanceClass(cls: CodeClass): boolean {
  return cls === 'present' || cls === 'approvedActivity';
}

export function isAbsenceClass(cls: CodeClass): boolean {
  return cls === 'authorised' || cls === 'unauthorised';
}

/** Present, approved activity, authorised or unauthorised: the session counts in possible sessions. */
export function isPossibleClass(cls: CodeClass): boolean {
  return isAttendanceClass(cls) || isAbsenceClass(cls);
}

export type ParsedRegisterCode =
  { ok: true; code: string; entry: RegisterCode } | { ok: false; reason: string };

/**
 * Reads a mark as it arrives from an MIS export or a person. Surrounding whitespace is trimmed and
 * letters are upper-cased (every 2024 code is upper case, so `c1` can only mean `C1`); anything else
 * must match exactly. Retired codes are rejected with a reason naming the replacement.
 */
export function parseRegisterCode(raw: string): ParsedRegisterCode {
  if (typeof raw !== 'string') return { ok: false, reason: 'a register code must be text' };
  const trimmed = raw.trim();
  if (trimmed === '') return { ok: false, reason: 'the register code is empty' };
  const code = trimmed.toUpperCase();
  const entry = BY_CODE.get(code);
  if (entry) return { ok: true, code, entry };
  const retired = RETIRED_CODES[code];
  if (retired !== undefined) return { ok: false, reason: retired };
  return {
    ok: false,
    reason: `"${trimmed}" is not a register code: expected one of ${REGISTER_CODES.map((c) => c.code).join(' ')}`,
  };
}
