// The merge fields a template can use, and how they are built from the case's figures. Templates
// see plain strings (already formatted the UK way), so the same merge renders the same letter
// everywhere: the API's preview and the activity that sends it.
import type { IsoDate } from '../domain/types';
import {
  formatLongDate,
  formatMeetingTime,
  toLondon,
  formatTime12,
  formatLongDateWithWeekday,
} from './format';

export interface LetterFigures {
  /** Attendance % over the window the policy cites; null when there were no possible sessions. */
  attendancePct: number | null;
  /** e.g. "the last 10 school weeks", "this half term". */
  windowLabel: string;
  unauthorised: number;
  unexplained: number;
  lates: number;
  daysMissed: number;
  lessonsMissed: number;
  /** Absence sessions; defaults to daysMissed x 2. */
  sessionsMissed?: number;
}

export interface LetterMerge {
  pupil: { givenName: string; familyName: string; fullName: string; yearGroup: string };
  /** Each parent/carer the letter is addressed to. */
  carers: { name: string }[];
  /** "Sara Khan and Tom Khan" or "Parent/Carer". */
  carerNames: string;
  school: { name: string };
  /** The letter's date, long UK format ("14 March 2025"). */
  today: string;
  /** Absent when the caller has no figures (a meeting invitation): wrap uses in `{{#attendance}}`. */
  attendance?: {
    pct: string;
    window: string;
    sessionsMissed: string;
    daysMissed: string;
    lessonsMissed: string;
    unauthorised: string;
    unexplained: string;
    lates: string;
  };
  /** The reasons the step was proposed, one sentence each. */
  reasons: string[];
  reasonsText: string;
  /** Present only when the letter is about a meeting (mustache: `{{#meeting}}...{{/meeting}}`). */
  meeting?: { when: string; date: string; time: string; location: string; staffName: string };
  staff: { name: string; role: string };
}

export interface LetterMergeInput {
  pupil: { givenName: string; familyName: string; yearGroup: number | null };
  carers: { name: string }[];
  schoolName: string;
  date: IsoDate;
  figures?: LetterFigures;
  reasons: string[];
  meeting?: { startsAt: string; location: string; staffName?: string };
  signature: { name: string; role: string };
}

export function buildLetterMerge(input: LetterMergeInput): LetterMerge {
  const f = input.figures;
  const names = input.carers.map((c) => c.name.trim()).filter((n) => n.length > 0);
  return {
    pupil: {
      givenName: input.pupil.givenName,
      familyName: input.pupil.familyName,
      fullName: `${input.pupil.givenName} ${input.pupil.familyName}`,
      yearGroup: yearGroupLabel(input.pupil.yearGroup),
    },
    carers: names.map((name) => ({ name })),
    carerNames: names.length ? joinNames(names) : 'Parent/Carer',
    school: { name: input.schoolName },
    today: formatLongDate(input.date),
    ...(f ? { attendance: attendanceMerge(f) } : {}),
    reasons: input.reasons,
    reasonsText: input.reasons.join(' '),
    ...(input.meeting ? { meeting: meetingMerge(input.meeting) } : {}),
    staff: { name: input.signature.name, role: input.signature.role },
  };
}

function attendanceMerge(f: LetterFigures): NonNullable<LetterMerge['attendance']> {
  return {
    // Two decimals, as the domain computes it: 89.96% must never read as "90%" next to a 90% threshold.
    pct: f.attendancePct === null ? 'not yet available' : `${Math.round(f.attendancePct * 100) / 100}%`,
    window: humaniseDates(f.windowLabel),
    sessionsMissed: formatNumber(f.sessionsMissed ?? f.daysMissed * 2),
    daysMissed: formatNumber(f.daysMissed),
    lessonsMissed: formatNumber(f.lessonsMissed),
    unauthorised: formatNumber(f.unauthorised),
    unexplained: formatNumber(f.unexplained),
    lates: formatNumber(f.lates),
  };
}

function meetingMerge(m: {
  startsAt: string;
  location: string;
  staffName?: string;
}): NonNullable<LetterMerge['meeting']> {
  const at = new Date(m.startsAt);
  if (Number.isNaN(at.getTime())) throw new RangeError(`meeting start "${m.startsAt}" is not a date-time`);
  const local = toLondon(at);
  return {
    when: formatMeetingTime(at),
    date: formatLongDateWithWeekday(local.date),
    time: formatTime12(local.time),
    location: m.location,
    staffName: m.staffName ?? '',
  };
}

export function yearGroupLabel(yearGroup: number | null): string {
  if (yearGroup === null) return '';
  if (yearGroup === 0) return 'Reception';
  if (yearGroup === -1) return 'Nursery';
  if (yearGroup === -2) return 'Nursery 1';
  return `Year ${yearGroup}`;
}

/** "A", "A and B", "A, B and C". */
export function joinNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** "the 10 school weeks to 2025-03-14" -> "the 10 school weeks to 14 March 2025". */
function humaniseDates(s: string): string {
  return s.replace(/\b(\d{4}-\d{2}-\d{2})\b/g, (iso) => {
    try {
      return formatLongDate(iso);
    } catch {
      return iso;
    }
  });
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 10) / 10);
}
