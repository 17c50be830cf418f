// The demo school: Oakwood Academy, about 600 pupils, a calendar for this school year and the last,
// and the current term's marks up to today with realistic absence (the synthetic generator in
// synthetic.ts beside this file: most pupils 95-100%, a persistent-absence tail of about a fifth, a few
// severe; illness in clusters; lates; N marks re-coded after a few days except the last week's).
// Deterministic for a given date, so importing it again changes only the new days.
import { academicYearStart, buildCalendar } from '../../domain/calendar';
import { englishSchoolYear } from '../../domain/englishCalendar';
import { CODE_LIST } from '../../domain/marks';
import type { IsoDate, SchoolCalendarFile } from '../../domain/types';
import { markPlan, syntheticMarks, syntheticPupil } from './synthetic';

export const DEMO_SCHOOL_ID = 'demo-oakwood';
export const DEMO_SCHOOL_NAME = 'Oakwood Academy (demo)';
export const DEMO_PUPILS = 600;
const SEED = 20_240_901;

// The typical English school year (terms, INSET days, bank holidays in term time) lives in the
// domain, where the sample calendar and the web app's calendar editor use it too.
export { englishSchoolYear };

/** Last school year and this one, so a rolling 10-week window early in the autumn term has history. */
export function demoCalendar(today: IsoDate): SchoolCalendarFile {
  const year = Number(academicYearStart(today).slice(0, 4));
  const prev = englishSchoolYear(year - 1);
  const cur = englishSchoolYear(year);
  return {
    school: DEMO_SCHOOL_ID,
    name: DEMO_SCHOOL_NAME,
    lessonsPerDay: 5,
    // A made-up council: letters name the school's local authority (docs/letters-and-messaging.md).
    localAuthority: 'Northshire Council (demo)',
    terms: [...prev.terms, ...cur.terms],
    closures: [...prev.closures, ...cur.closures],
  };
}

export interface DemoData {
  calendar: SchoolCalendarFile;
  roster: Record<string, string>[];
  marks: Record<string, string>[];
  /** The first and last dates with marks. */
  from: IsoDate | null;
  to: IsoDate | null;
}

/**
 * The demo school as import rows: marks from the start of the current term (or of the previous one
 * when today is in a holiday or the term is under six weeks old) up to today.
 */
export function demoSchoolData(today: IsoDate, pupils = DEMO_PUPILS): DemoData {
  const calendar = demoCalendar(today);
  const built = buildCalendar(calendar);
  const plan = markPlan(built);
  const days = plan.days;
  let last = -1;
  while (last + 1 < days.length && days[last + 1]! <= today) last++;
  // The start of the term containing the last school day, or the term before if it is young.
  const terms = [...calendar.terms].sort((a, b) => (a.start < b.start ? -1 : 1));
  const lastDay = last >= 0 ? days[last]! : null;
  let termIndex = terms.findIndex((t) => lastDay !== null && t.start <= lastDay && lastDay <= t.end);
  if (termIndex < 0) termIndex = terms.findLastIndex((t) => lastDay !== null && t.end < lastDay);
  let startDate = termIndex >= 0 ? terms[termIndex]!.start : days[0]!;
  if (termIndex > 0 && lastDay && built.schoolWeeksBetween(startDate, lastDay) < 6)
    startDate = terms[termIndex - 1]!.start;
  const first = days.findIndex((d) => d >= startDate);

  const yearShift = Number(academicYearStart(today).slice(0, 4)) - 2024;
  const roster: Record<string, string>[] = [];
  const marks: Record<string, string>[] = [];
  for (let i = 0; i < pupils; i++) {
    const p = syntheticPupil(SEED, 1, i);
    const dob = `${Number(p.dateOfBirth.slice(0, 4)) + yearShift}${p.dateOfBirth.slice(4)}`;
    const c = p.contacts[0]!;
    roster.push({
      upn: p.upn,
      given_name: p.givenName,
      family_name: p.familyName,
      year_group: String(p.yearGroup),
      date_of_birth: dob,
      contact1_name: c.name,
      contact1_email: c.email,
      contact1_phone: c.phone,
      contact1_address: c.address.join(' | '),
      contact1_postcode: c.postcode,
      contact2_name: '',
      contact2_email: '',
      contact2_phone: '',
      flags: p.flags.join(';'),
      sex: p.sex,
      sen: p.sen,
      pupil_premium: p.pupilPremium ? 'Y' : 'N',
    });
    if (first < 0 || last < first) continue;
    const m = syntheticMarks(SEED, p, plan);
    for (let d = first; d <= last; d++) {
      // N marks are chased and re-coded within about a week: the last five school days keep theirs.
      const source = d > last - 5 ? m.initial : m.final;
      for (let s = 0; s < 2; s++) {
        const code = CODE_LIST[source[2 * d + s]!];
        if (code) marks.push({ upn: p.upn, date: days[d]!, session: s === 0 ? 'AM' : 'PM', code });
      }
    }
  }
  return {
    calendar,
    roster,
    marks,
    from: first >= 0 && last >= first ? days[first]! : null,
    to: last >= first ? lastDay : null,
  };
}
