// England's published absence figures, for the dashboard's comparison (docs/dashboard.md). Data,
// not code: each figure carries the publication, the academic year and the page it comes from, and
// a figure we could not read from the publication itself says so in `note` (or is null) rather
// than being given a precision we cannot vouch for. To bring it up to date, replace the figures
// with the next full-year release of "Pupil absence in schools in England" (published each March
// for the year before last) and change `academicYear`, `publishedIn` and the URLs.
//
// The DfE's measures match this product's (docs/attendance-maths.md): the overall absence rate is
// absence sessions over possible sessions, pooled over every pupil; a pupil is persistently absent
// when they miss 10% or more of their own possible sessions. The school's attendance % is
// therefore comparable with 100 minus the national overall absence rate.

/** State-funded primary, state-funded secondary, or all state-funded schools (primary, secondary and special). */
export type SchoolPhase = 'primary' | 'secondary' | 'all';

export interface NationalFigure {
  phase: SchoolPhase;
  /** As the DfE words it. */
  phaseLabel: string;
  /** Sessions missed for any reason, as a percentage of possible sessions (1 decimal, as published). */
  overallAbsencePct: number | null;
  /** Pupils missing 10% or more of their possible sessions, as a percentage of pupils (enrolments). */
  persistentAbsencePct: number | null;
  /** Where each figure was read, when not the publication's own page. */
  sources: { overallAbsencePct: string; persistentAbsencePct: string };
  /** Anything a reader must know about a figure (how sure we are of it, where else it came from). */
  note?: string;
}

export interface NationalFigures {
  /** The publication the figures are from. */
  publication: string;
  publisher: string;
  /** The academic year the figures describe (a full year: autumn, spring and summer terms). */
  academicYear: string;
  /** When that release came out. */
  publishedIn: string;
  url: string;
  /** Which pupils the figures count. */
  coverage: string;
  figures: NationalFigure[];
  /** How the figures were gathered for this file, and what could not be checked. */
  note: string;
}

const RELEASE_2023_24 =
  'https://explore-education-statistics.service.gov.uk/find-statistics/pupil-absence-in-schools-in-england/2023-24';

/**
 * "Pupil absence in schools in England", academic year 2023/24: the latest full-year release whose
 * figures we could read (the 2024/25 full-year release exists, but its figures were not available
 * to check when this file was written).
 */
export const NATIONAL_FIGURES: NationalFigures = {
  publication: 'Pupil absence in schools in England',
  publisher: 'Department for Education (accredited official statistics, from the school census)',
  academicYear: '2023/24',
  publishedIn: 'March 2025',
  url: RELEASE_2023_24,
  coverage:
    'Pupils aged 5 to 15 in state-funded schools in England (primary, secondary, and special schools in "all schools")',
  figures: [
    {
      phase: 'all',
      phaseLabel: 'All state-funded schools (primary, secondary and special)',
      overallAbsencePct: 7.1,
      persistentAbsencePct: 20.0,
      sources: { overallAbsencePct: RELEASE_2023_24, persistentAbsencePct: RELEASE_2023_24 },
      note: 'The persistent absence rate (20.0%, down from 21.2% in 2022/23) was read in reports of this release, not in the part of the release text we could read: check it against the release.',
    },
    {
      phase: 'primary',
      phaseLabel: 'State-funded primary schools',
      overallAbsencePct: 5.5,
      persistentAbsencePct: 14.6,
      sources: {
        overallAbsencePct: RELEASE_2023_24,
        persistentAbsencePct:
          'https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/e021823d-0141-4f84-8c2d-e4160679f8e8',
      },
      note: 'The persistent absence rate is from the DfE data set "Absence_202324" (publication "Schools eligible for RISE intervention"), the 2023/24 national total for state-funded mainstream primary schools (14.56%), rounded to 1 decimal; the same census data, a different publication.',
    },
    {
      phase: 'secondary',
      phaseLabel: 'State-funded secondary schools',
      overallAbsencePct: 8.9,
      persistentAbsencePct: null,
      sources: { overallAbsencePct: RELEASE_2023_24, persistentAbsencePct: RELEASE_2023_24 },
      note: 'Persistent absence for secondary schools is not given here: we could not read it from the release, and will not guess it. The release page has it.',
    },
  ],
  note: 'Overall absence rates (all 7.1%, primary 5.5%, secondary 8.9%; special schools 13.0%) are from the release text. Persistent absence rates are marked where they came from elsewhere or could not be checked.',
};

/** The phase a school's year groups say it is: all in reception to Year 6 primary, all in 7 to 13 secondary, else all schools. */
export function phaseOfYearGroups(yearGroups: readonly (number | null)[]): SchoolPhase {
  const known = yearGroups.filter((y): y is number => y !== null);
  if (known.length === 0) return 'all';
  if (known.every((y) => y <= 6)) return 'primary';
  if (known.every((y) => y >= 7)) return 'secondary';
  return 'all';
}

/**
 * The national figures for a phase. A figure the phase lacks stays null: comparing a secondary
 * school with all schools' persistent absence would flatter it.
 */
export function nationalFigureFor(
  phase: SchoolPhase,
  figures: NationalFigures = NATIONAL_FIGURES,
): NationalFigure | null {
  return figures.figures.find((f) => f.phase === phase) ?? null;
}
