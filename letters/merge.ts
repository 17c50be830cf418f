// The merge fields a template can use, and how they are built from the case's figures and its story
// (domain/letterStory.ts). Templates see plain strings already said the way a letter to a family says
// them (letters/format.ts), and booleans for their sections, so the same merge renders the same letter
// everywhere: the API's preview and the activity that sends it.
//
// The engine's reasons are for staff: they are never merged into a letter. A letter's sentences come
// from its template, chosen by the story's facts (its route, the earlier contacts with their dates,
// the kind of absence), and its figures from `letterFigures` (domain/letterFigures.ts).
import type { LetterFiguresInput } from '../domain/letterFigures';
import { penaltyPossibleFrom } from '../domain/letterFigures';
import type { EarlierContact, LetterStory } from '../domain/letterStory';
import type { NoticeToImprove } from '../domain/noticeToImprove';
import type { IsoDate } from '../domain/types';
import {
  countOf,
  formatDays,
  formatLessons,
  formatLongDate,
  formatLongDateWithWeekday,
  formatMeetingTime,
  formatPercent,
  formatPeriod,
  formatTime12,
  formatTimes,
  joinWithAnd,
  toLondon,
} from './format';

/** The figures a letter quotes: `letterFigures(facts)`, or what an older recipe carried. */
export type LetterFigures = LetterFiguresInput;

/** Said once in any letter that counts sessions. */
export const SESSIONS_NOTE = 'A school day has two sessions, morning and afternoon.';

/** When the school has not named its local authority. */
export const DEFAULT_LOCAL_AUTHORITY = 'the local authority';

export interface AttendanceMerge {
  /** "87.9%" (one decimal, rounded down), or "not yet available". */
  pct: string;
  /**
   * "the 10 school weeks from 8 September to 14 November 2025": the period the figures cover, for
   * "In {{attendance.window}}, ...". (An older recipe without dates: "the 10 school weeks to 14 November 2025".)
   */
  window: string;
  /** "from 8 September to 14 November 2025" (empty for an older recipe without dates). */
  period: string;
  /** "8 September 2025", "14 November 2025" (empty for an older recipe without dates). */
  from: string;
  to: string;
  /** "10 school weeks". */
  weeks: string;
  /** "98 sessions": the sessions the pupil could have attended in the period. */
  possible: string;
  /** "12 sessions": absent, for any reason. */
  missed: string;
  /** "six and a half days". */
  days: string;
  /** "about 32 lessons". */
  lessons: string;
  /** "1 unauthorised session": absence the school did not agree to (G, O, U), not counting those still waiting for a reason. */
  unauthorisedSessions: string;
  /** "2 sessions": absence we have not yet had a reason for (N). */
  noReasonSessions: string;
  /** "4 sessions": illness or medical appointments (I, M). */
  illnessSessions: string;
  /** "2 sessions": other absence the school agreed to (authorised, not illness). */
  otherAbsenceSessions: string;
  /** "3 times": late (before the register closed) this half term. */
  lateTimes: string;
  /** "this half term": the period late arrivals are counted over. */
  latesPeriod: string;
  /** The figures say what kind each absence was (illness, other agreed, no reason, unauthorised). */
  hasBreakdown: boolean;
  hasMissed: boolean;
  hasUnauthorised: boolean;
  hasNoReason: boolean;
  hasIllness: boolean;
  hasOtherAbsence: boolean;
  hasLates: boolean;
  /** Attendance at or below 90% (absence of 10% or more). */
  persistent: boolean;
  /** Attendance at or below 50%: a pupil missing half of school is never written to as a routine case. */
  severe: boolean;

  // The fields of the first letters, kept with their meaning for schools' own templates written
  // with them (bare numbers: the template says the noun). New templates use the fields above.
  sessionsMissed: string;
  daysMissed: string;
  lessonsMissed: string;
  unauthorised: string;
  unexplained: string;
  lates: string;
}

export interface EarlierMerge {
  /** "a letter dated 3 November 2025", "an Attendance Support Meeting on 17 November 2025, which you came to". */
  text: string;
  /** "a letter", "an Attendance Support Meeting". */
  name: string;
  /** "3 November 2025". */
  date: string;
  /** Meetings and visits: the family came (let us in); did not. */
  came: boolean;
  missed: boolean;
  letter: boolean;
  message: boolean;
  call: boolean;
  meeting: boolean;
  homeVisit: boolean;
}

export interface LetterMerge {
  pupil: { givenName: string; familyName: string; fullName: string; yearGroup: string };
  /** Each parent/carer the letter is addressed to. */
  carers: { name: string }[];
  /** "Sara Khan and Tom Khan" or "Parent/Carer". */
  carerNames: string;
  school: { name: string };
  /** The school's local authority ("Kirklees Council"), or "the local authority". */
  localAuthority: string;
  /** The letter's date, long UK format ("14 March 2025"). */
  today: string;
  /** Absent when the caller has no figures (a meeting invitation): wrap uses in `{{#attendance}}`. */
  attendance?: AttendanceMerge;
  /** "A school day has two sessions, morning and afternoon." Say it once, where sessions are first counted. */
  sessionsNote: string;
  /** How the case reached this letter (the story's route); `unknown` when the caller has no story. */
  route: { opened: boolean; escalated: boolean; steppedDown: boolean; continuing: boolean; unknown: boolean };
  /** What the family has already had on this case, oldest first, each with its date. */
  earlier: EarlierMerge[];
  hasEarlier: boolean;
  /** "a letter dated 3 November 2025 and a phone call on 10 November 2025". */
  earlierText: string;
  /** The most recent earlier letter, for "since our letter of ...". */
  lastLetter?: { date: string };
  /** The most recent meeting or home visit the family could not come to (or let us in for). */
  missedMeeting?: MeetingRef;
  /** The most recent meeting or home visit the family came to. */
  heldMeeting?: MeetingRef;
  /** The most recent meeting or home visit with a recorded outcome: did the family come? */
  lastMeeting?: MeetingRef & { came: boolean; missed: boolean };
  absence: {
    /** Every absence in the period was illness or a medical appointment. */
    illnessOnly: boolean;
    /** A penalty notice is possible: only then may a letter mention penalty notices or legal action. */
    penaltyPossible: boolean;
  };
  /**
   * A penalty notice is possible and the case is not a serious concern: the only case for a formal
   * warning about penalty notices. A family in serious difficulty hears about it as a possibility, after the offer of help.
   */
  penaltyWarning: boolean;
  /**
   * Not a routine case: attendance at or below half, or a home visit (an announced visit with the
   * lead professional, or an earlier one). Letters then speak person to person and offer help first.
   */
  seriousConcern: boolean;
  /** Present only when the letter is about a meeting in the future (mustache: `{{#meeting}}...{{/meeting}}`). */
  meeting?: {
    when: string;
    date: string;
    time: string;
    /** "Oakfield Primary", or "your home" for a home visit. */
    location: string;
    /** "at Oakfield Primary", "at your home". */
    where: string;
    staffName: string;
    atHome: boolean;
  };
  staff: { name: string; role: string };
  /**
   * A notice to improve (mustache: `{{#noticeToImprove}}...{{/noticeToImprove}}`): the improvement
   * period and what sufficient improvement means, as the family can check it.
   */
  noticeToImprove?: NoticeMerge;
}

export interface NoticeMerge {
  /** "Tuesday 3 March 2026", "Monday 23 March 2026": the period's first and last school days. */
  fromDay: string;
  toDay: string;
  /** "15 school days". */
  length: string;
  /** "30 sessions": the sessions in the period. */
  sessions: string;
  /** "at least 90%", "more than 95%". */
  attendance: string;
  /** "no more than 3 sessions", "no sessions": missed for any reason. */
  maxMissed: string;
  /** No unauthorised absence allowed at all. */
  noUnauthorised: boolean;
  /** Some unauthorised absence allowed: "no more than 1 session". */
  someUnauthorised: boolean;
  maxUnauthorised: string;
  /** Every absence must have its reason given. */
  everyAbsenceExplained: boolean;
  support: { text: string }[];
  hasSupport: boolean;
}

/** A meeting or visit the letter refers back to. */
export interface MeetingRef {
  /** "an Attendance Panel Meeting". */
  name: string;
  /** "the Attendance Panel Meeting". */
  the: string;
  /** "12 November 2025". */
  date: string;
}

export interface LetterMergeInput {
  pupil: { givenName: string; familyName: string; yearGroup: number | null };
  carers: { name: string }[];
  schoolName: string;
  /** The local authority the school named in its settings (the calendar file), if any. */
  localAuthority?: string | null;
  date: IsoDate;
  figures?: LetterFigures;
  /** What this letter may tell the family (engine 2). Without it, no sentence claims a history. */
  story?: LetterStory;
  meeting?: { startsAt: string; location: string; staffName?: string };
  signature: { name: string; role: string };
}

export function buildLetterMerge(input: LetterMergeInput): LetterMerge {
  const f = input.figures;
  const story = input.story;
  const names = input.carers.map((c) => c.name.trim()).filter((n) => n.length > 0);
  const attendance = f ? attendanceMerge(f) : undefined;
  const earlier = (story?.earlier ?? []).map(earlierMerge);
  // The meeting the caller names (an invitation), else the story's: the first still to come.
  const meeting =
    (input.meeting && meetingMerge(input.meeting, input.date)) ||
    (story?.meeting &&
      meetingMerge(
        { startsAt: story.meeting.startsAt, location: nonEmpty(story.meeting.location) ?? input.schoolName },
        input.date,
      )) ||
    undefined;
  const lastLetter = [...(story?.earlier ?? [])].reverse().find((c) => c.kind === 'letter');
  const visits = (story?.earlier ?? []).filter((c) => c.kind === 'meeting' || c.kind === 'homeVisit');
  const missed = [...visits].reverse().find((c) => c.attended === false);
  const held = [...visits].reverse().find((c) => c.attended === true);
  const last = [...visits].reverse().find((c) => c.attended !== undefined);
  const penaltyPossible = story ? story.absence.penaltyPossible : f ? penaltyPossibleFrom(f) : false;
  const seriousConcern =
    (attendance?.severe ?? false) ||
    (meeting?.atHome ?? false) ||
    (story?.earlier ?? []).some((c) => c.kind === 'homeVisit');
  const localAuthority =
    nonEmpty(story?.localAuthority) ?? nonEmpty(input.localAuthority) ?? DEFAULT_LOCAL_AUTHORITY;
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
    localAuthority,
    today: formatLongDate(input.date),
    ...(attendance ? { attendance } : {}),
    sessionsNote: SESSIONS_NOTE,
    route: {
      opened: story?.route === 'opened',
      escalated: story?.route === 'escalated',
      steppedDown: story?.route === 'steppedDown',
      continuing: story?.route === 'continuing',
      unknown: !story,
    },
    earlier,
    hasEarlier: earlier.length > 0,
    earlierText: joinWithAnd(earlier.map((e) => e.text)),
    ...(lastLetter ? { lastLetter: { date: formatLongDate(lastLetter.date) } } : {}),
    ...(missed ? { missedMeeting: meetingRef(missed) } : {}),
    ...(held ? { heldMeeting: meetingRef(held) } : {}),
    ...(last
      ? {
          lastMeeting: { ...meetingRef(last), came: last.attended === true, missed: last.attended === false },
        }
      : {}),
    absence: {
      illnessOnly: story ? story.absence.illnessOnly : f ? illnessOnlyFrom(f) : false,
      penaltyPossible,
    },
    seriousConcern,
    penaltyWarning: penaltyPossible && !seriousConcern,
    ...(meeting ? { meeting } : {}),
    staff: { name: input.signature.name, role: input.signature.role },
    ...(story?.noticeToImprove ? { noticeToImprove: noticeMerge(story.noticeToImprove) } : {}),
  };
}

function noticeMerge(n: NoticeToImprove): NoticeMerge {
  const upTo = (k: number) => (k === 0 ? 'no sessions' : `no more than ${countOf(k, 'session')}`);
  return {
    fromDay: formatLongDateWithWeekday(n.from),
    toDay: formatLongDateWithWeekday(n.to),
    length: countOf(n.schoolDays, 'school day'),
    sessions: countOf(n.sessions, 'session'),
    attendance: `${n.above ? 'more than' : 'at least'} ${formatPercent(n.attendancePct)}`,
    maxMissed: upTo(n.maxMissedSessions),
    noUnauthorised: n.maxUnauthorised === 0,
    someUnauthorised: n.maxUnauthorised !== null && n.maxUnauthorised > 0,
    maxUnauthorised: n.maxUnauthorised === null ? '' : upTo(n.maxUnauthorised),
    everyAbsenceExplained: n.maxUnexplained === 0,
    support: n.support.map((text) => ({ text })),
    hasSupport: n.support.length > 0,
  };
}

function nonEmpty(s: string | null | undefined): string | null {
  return s && s.trim() !== '' ? s.trim() : null;
}

/** Without a story (engine 1): every absence illness or medical, from the figures, when they say. */
function illnessOnlyFrom(f: LetterFigures): boolean {
  if (f.sessionsMissed === undefined || f.illnessSessions === undefined) return false;
  return f.sessionsMissed > 0 && f.unauthorised === 0 && f.illnessSessions >= f.sessionsMissed;
}

function attendanceMerge(f: LetterFigures): AttendanceMerge {
  const missed = f.sessionsMissed ?? Math.round(f.daysMissed * 2);
  const notAuthorised = Math.max(0, f.unauthorised - f.unexplained);
  const illness = f.illnessSessions ?? 0;
  // Other authorised absence is known only when the figures say how much was illness.
  const other = f.illnessSessions === undefined ? 0 : Math.max(0, missed - f.unauthorised - illness);
  return {
    pct: f.attendancePct === null ? 'not yet available' : formatPercent(f.attendancePct),
    period: f.from && f.to ? formatPeriod(f.from, f.to) : '',
    from: f.from ? formatLongDate(f.from) : '',
    to: f.to ? formatLongDate(f.to) : '',
    weeks: f.schoolWeeks !== undefined ? countOf(f.schoolWeeks, 'school week') : '',
    possible: f.possibleSessions !== undefined ? countOf(f.possibleSessions, 'session') : '',
    missed: countOf(missed, 'session'),
    days: formatDays(f.daysMissed),
    lessons: formatLessons(f.lessonsMissed),
    unauthorisedSessions: countOf(notAuthorised, 'unauthorised session'),
    noReasonSessions: countOf(f.unexplained, 'session'),
    illnessSessions: countOf(illness, 'session'),
    otherAbsenceSessions: countOf(other, 'session'),
    lateTimes: formatTimes(f.lates),
    latesPeriod: 'this half term',
    hasBreakdown: f.illnessSessions !== undefined && f.sessionsMissed !== undefined,
    hasMissed: missed > 0,
    hasUnauthorised: notAuthorised > 0,
    hasNoReason: f.unexplained > 0,
    hasIllness: illness > 0,
    hasOtherAbsence: other > 0,
    hasLates: f.lates > 0,
    persistent: f.persistentAbsence ?? (f.attendancePct !== null && f.attendancePct <= 90),
    severe: f.severeAbsence ?? (f.attendancePct !== null && f.attendancePct <= 50),
    window:
      f.from && f.to && f.schoolWeeks !== undefined
        ? `the ${countOf(f.schoolWeeks, 'school week')} ${formatPeriod(f.from, f.to)}`
        : humaniseDates(f.windowLabel),
    sessionsMissed: formatNumber(missed),
    daysMissed: formatNumber(f.daysMissed),
    lessonsMissed: formatNumber(Math.floor(f.lessonsMissed)),
    unauthorised: formatNumber(f.unauthorised),
    unexplained: formatNumber(f.unexplained),
    lates: formatNumber(f.lates),
  };
}

/** What the family would call an earlier contact: the story's own words when it has them. */
function contactName(c: EarlierContact): string {
  const title = c.title.trim();
  // The story's title as a family says it ("a letter", "an Attendance Support Meeting"); a staff
  // title ("Make parents aware and work with them ...") is never copied into a letter.
  if (/^(a|an|our|the) [\w' -]+$/i.test(title) && title.length <= 60) return lowerFirst(title);
  switch (c.kind) {
    case 'letter':
      return 'a letter';
    case 'message':
      return 'a message';
    case 'call':
      return 'a phone call';
    case 'homeVisit':
      return 'a home visit';
    case 'meeting': {
      const named = /\b((?:[A-Z][a-z]+ )+Meeting)\b/.exec(title)?.[1];
      return named ? `${/^[AEIOU]/.test(named) ? 'an' : 'a'} ${named}` : 'a meeting';
    }
  }
}

function meetingRef(c: EarlierContact): MeetingRef {
  const name = contactName(c);
  return { name, the: name.replace(/^(a|an|our) /, 'the '), date: formatLongDate(c.date) };
}

function lowerFirst(s: string): string {
  return /^(A|An|Our|The) /.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}

function earlierMerge(c: EarlierContact): EarlierMerge {
  const date = formatLongDate(c.date);
  const name = contactName(c);
  let text: string;
  switch (c.kind) {
    case 'letter':
      text = `${name} dated ${date}`;
      break;
    case 'meeting':
      text =
        c.attended === true
          ? `${name} on ${date}, which you came to`
          : c.attended === false
            ? `${name} on ${date}, which you were not able to come to`
            : `${name} on ${date}`;
      break;
    case 'homeVisit':
      text =
        c.attended === true
          ? `${name} on ${date}, when we met you at home`
          : c.attended === false
            ? `${name} on ${date}, when we were not able to see you`
            : `${name} on ${date}`;
      break;
    default:
      text = `${name} on ${date}`;
  }
  return {
    text,
    name,
    date,
    came: c.attended === true,
    missed: c.attended === false,
    letter: c.kind === 'letter',
    message: c.kind === 'message',
    call: c.kind === 'call',
    meeting: c.kind === 'meeting',
    homeVisit: c.kind === 'homeVisit',
  };
}

const AT_HOME = /\bhome\b/i;

/** The meeting this letter invites to; none when it is already past on the letter's date. */
function meetingMerge(
  m: { startsAt: string; location: string; staffName?: string },
  letterDate: IsoDate,
): LetterMerge['meeting'] {
  const at = new Date(m.startsAt);
  if (Number.isNaN(at.getTime())) throw new RangeError(`meeting start "${m.startsAt}" is not a date-time`);
  const local = toLondon(at);
  if (local.date < letterDate) return undefined;
  const atHome = AT_HOME.test(m.location);
  const location = atHome ? 'your home' : m.location;
  return {
    when: formatMeetingTime(at),
    date: formatLongDateWithWeekday(local.date),
    time: formatTime12(local.time),
    location,
    where: `at ${location}`,
    staffName: m.staffName ?? '',
    atHome,
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
  return joinWithAnd(names);
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
