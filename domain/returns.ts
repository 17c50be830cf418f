// The returns and worklists the law asks a school for (DOMAIN.md, "Returns to the council"), computed
// from one pupil's register: runs of continuous unauthorised absence (the 10-day return to the local
// authority, and the 20 days after which removal from roll may be enquired into), illness (the
// sickness return), today's unexplained absences (first-day calls) and attendance over the term (the
// termly awards). Decisions are in docs/returns.md.
//
// "Continuous" is counted in school days, from the school's calendar: weekends, holidays, half terms
// and INSET days are not school days, so they neither break a run nor add to it. A school day counts
// towards a run when every session the pupil could attend that day was an unauthorised absence; a day
// with no possible session for the pupil (not on roll, not required to attend) neither breaks nor
// extends it; a day with any other mark (present, authorised absence) or a session not yet marked
// ends it (an unmarked session is not known to be an absence).
import type { SchoolCalendar } from './calendar';
import type { MarkGrid } from './marks';
import { isPossibleClass, lookupCode } from './registerCodes';
import { computeWindowStats } from './stats';
import type { CodeClass, IsoDate } from './types';

/** A run of continuous school days of unauthorised absence. */
export interface AbsenceRun {
  from: IsoDate;
  to: IsoDate;
  schoolDays: number;
  /** Still going on the day the figures are for. */
  ongoing: boolean;
}

export interface PupilReturnFacts {
  asOf: IsoDate;
  /** Every run of continuous unauthorised absence this school year, oldest first. */
  unauthorisedRuns: AbsenceRun[];
  /** Illness sessions (I) this school year, in days (two sessions a day). */
  illnessDays: number;
  /** The day this school year's illness reached 15 days, if it has. */
  illnessReached15On: IsoDate | null;
  /** Continuous school days of illness (I) up to today, when the pupil is off ill today. */
  currentIllnessSpell: AbsenceRun | null;
  /** Today's sessions marked N (no reason yet). */
  unexplainedToday: ('AM' | 'PM')[];
  /** The term that contains the day (or the last one before it), with the pupil's attendance over it. */
  term: {
    name: string;
    from: IsoDate;
    to: IsoDate;
    possible: number;
    attended: number;
    attendancePct: number | null;
  } | null;
}

type DayKind = 'unauthorised' | 'illness' | 'other' | 'none' | 'unmarked';

function classOf(code: string | null): CodeClass | 'unmarked' | null {
  if (code === null || code === '') return 'unmarked';
  return lookupCode(code)?.cls ?? null;
}

/** What a school day was for the pupil, as the runs see it. */
function dayKind(am: string | null, pm: string | null): DayKind {
  const sessions = [am, pm].map((code) => ({ code, cls: classOf(code) }));
  const possible = sessions.filter((s) => s.cls === 'unmarked' || (s.cls !== null && isPossibleClass(s.cls)));
  if (possible.length === 0) return 'none';
  if (possible.some((s) => s.cls === 'unmarked')) return 'unmarked';
  if (possible.every((s) => s.cls === 'unauthorised')) return 'unauthorised';
  if (possible.every((s) => s.code === 'I')) return 'illness';
  return 'other';
}

export function pupilReturnFacts(
  grid: MarkGrid,
  calendar: SchoolCalendar,
  asOf: IsoDate,
  pupil: { startDate?: IsoDate | null; leftOn?: IsoDate | null } = {},
): PupilReturnFacts {
  const year = calendar.yearToDate(asOf);
  const days = calendar
    .schoolDaysBetween(year.from, asOf)
    .filter((d) => (!pupil.startDate || d >= pupil.startDate) && (!pupil.leftOn || d <= pupil.leftOn));
  const marks = days.map((d) => ({ d, am: grid.get(d, 'AM'), pm: grid.get(d, 'PM') }));
  const kinds = marks.map((m) => dayKind(m.am, m.pm));
  // Today's register (or the last few days') may not be in yet: unmarked days after the last marked
  // one are not known to end anything.
  let lastMarked = kinds.length - 1;
  while (lastMarked >= 0 && (kinds[lastMarked] === 'unmarked' || kinds[lastMarked] === 'none')) lastMarked--;
  const runs: AbsenceRun[] = [];
  let run: AbsenceRun | null = null;
  let illness: AbsenceRun | null = null;
  let illnessSessions = 0;
  let reached15: IsoDate | null = null;
  for (let i = 0; i < marks.length; i++) {
    const { d, am, pm } = marks[i]!;
    illnessSessions += (am === 'I' ? 1 : 0) + (pm === 'I' ? 1 : 0);
    if (reached15 === null && illnessSessions >= 30) reached15 = d;
    const kind = kinds[i]!;
    if (kind === 'none' || i > lastMarked) continue;
    if (kind === 'unauthorised') {
      if (run) {
        run.to = d;
        run.schoolDays++;
      } else runs.push((run = { from: d, to: d, schoolDays: 1, ongoing: false }));
    } else run = null;
    if (kind === 'illness') {
      if (illness) {
        illness.to = d;
        illness.schoolDays++;
      } else illness = { from: d, to: d, schoolDays: 1, ongoing: false };
    } else illness = null;
  }
  // A run is still going when nothing has ended it by today.
  const lastRun = runs.at(-1);
  if (lastRun && run === lastRun) lastRun.ongoing = true;
  const today = days.at(-1) === asOf ? asOf : null;
  return {
    asOf,
    unauthorisedRuns: runs,
    illnessDays: illnessSessions / 2,
    illnessReached15On: reached15,
    currentIllnessSpell: illness ? { ...illness, ongoing: true } : null,
    unexplainedToday: today ? (['AM', 'PM'] as const).filter((s) => grid.get(today, s) === 'N') : [],
    term: termAttendance(grid, calendar, asOf, pupil),
  };
}

/** Attendance over the term so far, as every other figure is computed (computeWindowStats). */
function termAttendance(
  grid: MarkGrid,
  calendar: SchoolCalendar,
  asOf: IsoDate,
  pupil: { startDate?: IsoDate | null; leftOn?: IsoDate | null },
): PupilReturnFacts['term'] {
  const term = calendar.currentTerm(asOf); // in a holiday: the term just ended
  if (!term) return null;
  const to = asOf < term.to ? asOf : term.to;
  const w = computeWindowStats(grid, calendar, term.from, to, 'custom', pupil);
  const attended = w.present + w.approvedActivity;
  return {
    name: term.name,
    from: term.from,
    to,
    possible: w.possible,
    attended,
    attendancePct: w.attendancePct,
  };
}
