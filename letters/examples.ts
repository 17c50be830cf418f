// Every default template rendered for each route it can take, for a made-up school and pupil: the
// matrix behind docs/letters/ (`npm run letters:docs`) and the test that keeps it current and checks
// every letter reads well for a parent (test/letters/docs.test.ts). The figures are computed from
// register marks by the real domain (computePupilFacts -> letterFigures) and rendered by the real
// merge and render functions, so the docs show exactly what a family gets.
import { buildCalendar } from '../domain/calendar';
import { letterFigures, type LetterFiguresInput } from '../domain/letterFigures';
import type { EarlierContact, LetterStory } from '../domain/letterStory';
import type { NoticeToImprove } from '../domain/noticeToImprove';
import { MarkGrid } from '../domain/marks';
import { computePupilFacts } from '../domain/stats';
import type { IsoDate, PupilFacts, SchoolCalendarFile } from '../domain/types';
import { readingEase } from './forParents';
import { buildLetterMerge, type LetterMergeInput } from './merge';
import { renderLetter, renderMessage } from './render';
import { listDefaultTemplateIds, loadDefaultTemplate, type LetterTemplate } from './templates';

/** A made-up school in a made-up council: no real school, pupil or family. */
export const EXAMPLE_SCHOOL: SchoolCalendarFile = {
  school: 'example-oakwood',
  name: 'Oakwood Primary School',
  lessonsPerDay: 5,
  localAuthority: 'Northshire Council',
  terms: [
    {
      name: 'Autumn 2025',
      start: '2025-09-03',
      end: '2025-12-19',
      halfTerm: { start: '2025-10-27', end: '2025-10-31' },
    },
    {
      name: 'Spring 2026',
      start: '2026-01-05',
      end: '2026-03-27',
      halfTerm: { start: '2026-02-16', end: '2026-02-20' },
    },
  ],
  closures: [],
};

/** The letters' date: Friday 21 November 2025. The 10 school weeks to it run from 8 September. */
export const EXAMPLE_DATE: IsoDate = '2025-11-21';
export const EXAMPLE_PUPIL = { givenName: 'Sam', familyName: 'Rivers', yearGroup: 5 };
export const EXAMPLE_CARERS = [{ name: 'Jordan Rivers' }, { name: 'Alex Rivers' }];
export const EXAMPLE_SIGNATURE = { name: 'Ms R. Hale', role: 'Attendance Officer' };

const calendar = buildCalendar(EXAMPLE_SCHOOL);
const windowDays = calendar.schoolDaysBetween('2025-09-08', EXAMPLE_DATE);

/** Absence by code, as session numbers in the 10 school weeks (0 = Monday 8 September AM, 99 = 21 November PM). */
type Pattern = Partial<Record<'I' | 'M' | 'N' | 'O' | 'G' | 'C', number[]>> & { lates?: number };

const range = (from: number, count: number, step = 1) =>
  Array.from({ length: count }, (_, i) => from + i * step);

export const PATTERNS = {
  /** 87%: illness, two sessions with no reason yet, seven unauthorised. */
  stageTwo: { I: [8, 9, 10, 11], N: [60, 86], O: [20, 21, 50, 51, 80, 82, 95] },
  /** 88%: every absence illness or a medical appointment. */
  stageTwoIllness: { I: [...range(12, 6), 60, 61, 62, 63], M: [90, 91] },
  /** 28%: away for most of the ten weeks. */
  severe: { I: range(0, 20), N: range(20, 10), O: range(30, 42) },
  /** 92%: Stage One. */
  stageOne: { I: [14, 15], N: [40, 71], O: [30, 56, 57, 88] },
  /** 92%, all illness. */
  stageOneIllness: { I: [4, 5, 34, 35, 64, 65], M: [90, 97] },
  /** 95%: one session of unauthorised absence, the rest illness. */
  oneUnauthorised: { I: [10, 11, 54, 55], O: [77] },
  /** 95%: just below the 96% band. */
  near95: { I: [22, 23], N: [67], O: [44, 45] },
  /** 95%, all illness. */
  near95Illness: { I: [30, 31, 32, 33, 34] },
  /** 97% with late arrivals this half term and a session with no reason yet. */
  latesAndNoReason: { I: [36, 37], N: [93], lates: 3 },
  /** 78%: Stage Three. */
  stageThree: { I: [0, 1, 2, 3, 4, 5], N: [40, 41, 70, 71], O: [...range(10, 6), 50, 51, 60, 61, 90, 91] },
  /** 91%: better than before. */
  improved: { I: [2, 3, 4, 5, 6], N: [60], O: [24, 25, 48] },
} satisfies Record<string, Pattern>;

export type PatternId = keyof typeof PATTERNS;

/** The pupil's facts on EXAMPLE_DATE from a pattern of marks: everything else present. */
export function exampleFacts(pattern: PatternId): PupilFacts {
  const p: Pattern = PATTERNS[pattern];
  const grid = new MarkGrid();
  for (const d of calendar.schoolDaysBetween('2025-09-03', EXAMPLE_DATE)) {
    grid.set(d, 'AM', '/');
    grid.set(d, 'PM', '\\');
  }
  for (const code of ['I', 'M', 'N', 'O', 'G', 'C'] as const) {
    for (const s of p[code] ?? []) grid.set(windowDays[s >> 1]!, s % 2 ? 'PM' : 'AM', code);
  }
  // Late arrivals (present, before the register closed) on three mornings of this half term.
  const halfTermDays = calendar.schoolDaysBetween('2025-11-03', EXAMPLE_DATE);
  for (let i = 0; i < (p.lates ?? 0); i++) grid.set(halfTermDays[i * 3]!, 'AM', 'L');
  return computePupilFacts({
    pupil: { pupilId: 'example', upn: 'X000000000000', yearGroup: EXAMPLE_PUPIL.yearGroup },
    grid,
    calendar,
    asOf: EXAMPLE_DATE,
  });
}

/** The story's absence, from the facts, as the case builds it. */
function absenceOf(facts: PupilFacts): LetterStory['absence'] {
  const w = facts.windows.rolling10;
  const absent = w.authorised + w.unauthorised;
  const illness = facts.illness.illnessSessions;
  return {
    illnessOnly: absent > 0 && w.unauthorised === 0 && illness >= absent,
    illnessSessions: illness,
    unauthorisedSessions: w.unauthorised,
    unexplainedSessions: w.unexplained,
    penaltyPossible: facts.penaltyThreshold.sessions > 0,
  };
}

const contact = (
  kind: EarlierContact['kind'],
  title: string,
  date: IsoDate,
  attended?: boolean,
): EarlierContact => ({ kind, title, date, ...(attended === undefined ? {} : { attended }) });

/** A meeting in school, and a home visit, after the letter's date. */
export const SCHOOL_MEETING = {
  startsAt: '2025-12-02T09:30:00Z',
  location: 'Oakwood Primary School',
  staffName: 'Ms R. Hale',
};
export const HOME_VISIT = {
  startsAt: '2025-11-27T10:00:00Z',
  location: "At the family's home",
  staffName: 'Ms R. Hale',
};

export interface Scenario {
  id: string;
  /** What the case is, in a line. */
  title: string;
  pattern: PatternId;
  /** The story's route and earlier contacts; absent: an engine-1 letter, with no story. */
  story?: {
    route: LetterStory['route'];
    earlier: EarlierContact[];
    meeting?: { startsAt: string; location: string };
    /** A notice to improve: its period and measure. */
    noticeToImprove?: NoticeToImprove;
  };
  /** The meeting an invitation is for (booked by the meeting step). */
  meeting?: { startsAt: string; location: string; staffName?: string };
  /** An invitation sent without figures. */
  noFigures?: boolean;
}

const BRADFORD_STAGE_ONE_EARLIER = [
  contact('message', 'a message', '2025-10-06'),
  contact('call', 'a phone call', '2025-10-20'),
];
const BRADFORD_STAGE_TWO_EARLIER = [
  ...BRADFORD_STAGE_ONE_EARLIER,
  contact('letter', 'a letter', '2025-11-04'),
  contact('meeting', 'an Attendance Support Meeting', '2025-11-12', true),
];

const S = (s: Scenario): Scenario => s;

/**
 * A notice to improve dated the example date: 15 school days from the next school day, at least 90%
 * (no more than 3 of the 30 sessions missed), no unauthorised absence, every absence explained.
 */
const NOTICE: NoticeToImprove = {
  from: '2025-11-24',
  to: '2025-12-12',
  schoolDays: 15,
  sessions: 30,
  attendancePct: 90,
  above: false,
  maxMissedSessions: 3,
  maxUnauthorised: 0,
  maxUnexplained: 0,
  support: [
    'a meeting with our attendance lead to agree what will help, at a time that suits you',
    'a check-in at the start of each school day with a member of staff your child knows',
  ],
};
const LETTERS_AND_MEETING = [
  contact('letter', 'a letter', '2025-10-06'),
  contact('letter', 'a letter', '2025-10-20'),
  contact('meeting', 'a meeting', '2025-11-03', true),
];

/** The cases each template is rendered for: the routes it can take. */
export const SCENARIOS: Record<string, Scenario[]> = {
  'bradford/dropping-towards-95': [
    S({
      id: 'opened',
      title: 'Opened: attendance just below 96%',
      pattern: 'near95',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'opened-illness',
      title: 'Opened: every absence was illness',
      pattern: 'near95Illness',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'one-unauthorised',
      title: 'Opened: one unauthorised session',
      pattern: 'oneUnauthorised',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'stepped-down',
      title: 'Stepped down from Stage One: attendance has improved',
      pattern: 'near95',
      story: { route: 'steppedDown', earlier: BRADFORD_STAGE_ONE_EARLIER },
    }),
    S({ id: 'no-story', title: 'A case started before letters had a story (engine 1)', pattern: 'near95' }),
  ],
  'bradford/stage-one-awareness': [
    S({
      id: 'opened',
      title: 'Opened at Stage One',
      pattern: 'stageOne',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'escalated',
      title: 'Up from "dropping towards 95%", after the message',
      pattern: 'stageOne',
      story: { route: 'escalated', earlier: [contact('message', 'a message', '2025-10-06')] },
    }),
    S({
      id: 'illness',
      title: 'Opened at Stage One: every absence was illness',
      pattern: 'stageOneIllness',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'stepped-down',
      title: 'Stepped down from Stage Two: attendance has improved',
      pattern: 'improved',
      story: {
        route: 'steppedDown',
        earlier: [
          contact('letter', 'a letter', '2025-10-06'),
          contact('meeting', 'an Attendance Panel Meeting', '2025-10-20', true),
        ],
      },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageOne' }),
  ],
  'bradford/school-letter-1': [
    S({
      id: 'after-call',
      title: 'After the phone call, no improvement in two school weeks',
      pattern: 'stageOne',
      story: { route: 'continuing', earlier: BRADFORD_STAGE_ONE_EARLIER },
    }),
    S({
      id: 'no-contact',
      title: 'Opened at Stage One; the call never reached the family',
      pattern: 'stageOne',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'one-unauthorised',
      title: 'One unauthorised session',
      pattern: 'oneUnauthorised',
      story: { route: 'continuing', earlier: [contact('call', 'a phone call', '2025-11-03')] },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageOne' }),
  ],
  'bradford/school-letter-2': [
    S({
      id: 'after-letter-1',
      title: 'Further unauthorised absence after School letter 1',
      pattern: 'stageOne',
      story: {
        route: 'continuing',
        earlier: [...BRADFORD_STAGE_ONE_EARLIER, contact('letter', 'a letter', '2025-11-04')],
      },
    }),
    S({
      id: 'meeting-booked',
      title: 'With the Attendance Support Meeting already booked',
      pattern: 'stageOne',
      story: {
        route: 'continuing',
        earlier: [contact('letter', 'a letter', '2025-11-04')],
        meeting: SCHOOL_MEETING,
      },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageOne' }),
  ],
  'bradford/attendance-support-meeting': [
    S({
      id: 'invitation',
      title: 'The invitation, after School letter 2',
      pattern: 'stageOne',
      story: {
        route: 'continuing',
        earlier: [
          ...BRADFORD_STAGE_ONE_EARLIER,
          contact('letter', 'a letter', '2025-11-04'),
          contact('letter', 'a letter', '2025-11-18'),
        ],
      },
      meeting: SCHOOL_MEETING,
    }),
    S({
      id: 'no-figures',
      title: 'An invitation sent without figures',
      pattern: 'stageOne',
      story: { route: 'continuing', earlier: [contact('letter', 'a letter', '2025-11-18')] },
      meeting: SCHOOL_MEETING,
      noFigures: true,
    }),
  ],
  'bradford/med-letter': [
    S({
      id: 'illness',
      title: 'A pattern of illness, every absence illness',
      pattern: 'stageOneIllness',
      story: { route: 'continuing', earlier: [contact('call', 'a phone call', '2025-11-03')] },
    }),
    S({
      id: 'mixed',
      title: 'Illness with other absence',
      pattern: 'stageTwo',
      story: { route: 'opened', earlier: [] },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageOneIllness' }),
  ],
  'bradford/warning-letter-1': [
    S({
      id: 'opened',
      title: 'Opened at Stage Two (below 90%): first contact',
      pattern: 'stageTwo',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'opened-illness',
      title: 'Opened at Stage Two: every absence was illness',
      pattern: 'stageTwoIllness',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'escalated',
      title: 'Escalated from Stage One after letters and a meeting',
      pattern: 'stageTwo',
      story: { route: 'escalated', earlier: BRADFORD_STAGE_TWO_EARLIER },
    }),
    S({
      id: 'severe',
      title: 'Attendance below half (28%)',
      pattern: 'severe',
      story: { route: 'opened', earlier: [] },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageTwo' }),
  ],
  'bradford/announced-home-visit': [
    S({
      id: 'severe',
      title: 'Below half: home visit with the lead professional, after Warning Letter 1',
      pattern: 'severe',
      story: { route: 'continuing', earlier: [contact('letter', 'a letter', '2025-11-17')] },
      meeting: HOME_VISIT,
    }),
    S({
      id: 'cp-plan',
      title: 'A family with a Child in Need or Child Protection plan (87%)',
      pattern: 'stageTwo',
      story: { route: 'continuing', earlier: [contact('letter', 'a letter', '2025-11-17')] },
      meeting: HOME_VISIT,
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'severe', meeting: HOME_VISIT }),
  ],
  'bradford/attendance-panel-meeting': [
    S({
      id: 'invitation',
      title: 'The invitation, after Warning Letter 1',
      pattern: 'stageTwo',
      story: {
        route: 'continuing',
        earlier: [...BRADFORD_STAGE_TWO_EARLIER, contact('letter', 'a letter', '2025-11-17')],
      },
      meeting: SCHOOL_MEETING,
    }),
    S({
      id: 'illness',
      title: 'Every absence was illness',
      pattern: 'stageTwoIllness',
      story: { route: 'continuing', earlier: [contact('letter', 'a letter', '2025-11-17')] },
      meeting: SCHOOL_MEETING,
    }),
    S({
      id: 'no-figures',
      title: 'An invitation sent without figures',
      pattern: 'stageTwo',
      story: { route: 'continuing', earlier: [contact('letter', 'a letter', '2025-11-17')] },
      meeting: SCHOOL_MEETING,
      noFigures: true,
    }),
  ],
  'bradford/contract-home-visit': [
    S({
      id: 'missed-panel',
      title: 'The family did not come to the Attendance Panel Meeting',
      pattern: 'stageTwo',
      story: {
        route: 'continuing',
        earlier: [
          contact('letter', 'a letter', '2025-11-03'),
          contact('meeting', 'an Attendance Panel Meeting', '2025-11-12', false),
        ],
      },
      meeting: HOME_VISIT,
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageTwo' }),
  ],
  'bradford/attendance-contract': [
    S({
      id: 'after-panel',
      title: 'Agreed at the Attendance Panel Meeting',
      pattern: 'stageTwo',
      story: {
        route: 'continuing',
        earlier: [
          contact('letter', 'a letter', '2025-11-03'),
          contact('meeting', 'an Attendance Panel Meeting', '2025-11-12', true),
        ],
      },
    }),
    S({
      id: 'after-home-visit',
      title: 'Agreed at a home visit, after the missed meeting',
      pattern: 'stageTwo',
      story: {
        route: 'continuing',
        earlier: [
          contact('letter', 'a letter', '2025-11-03'),
          contact('meeting', 'an Attendance Panel Meeting', '2025-11-12', false),
          contact('homeVisit', 'a home visit', '2025-11-19', true),
        ],
      },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageTwo' }),
  ],
  'bradford/final-warning-letter': [
    S({
      id: 'escalated',
      title: 'Stage Three after Warning Letter 1, the panel meeting and the contract',
      pattern: 'stageThree',
      story: {
        route: 'escalated',
        earlier: [
          contact('letter', 'a letter', '2025-10-06'),
          contact('meeting', 'an Attendance Panel Meeting', '2025-10-15', true),
          contact('letter', 'a letter', '2025-10-16'),
        ],
      },
    }),
    S({
      id: 'no-access',
      title: 'Stage Three: the meeting and the home visit did not happen',
      pattern: 'stageThree',
      story: {
        route: 'escalated',
        earlier: [
          contact('letter', 'a letter', '2025-10-06'),
          contact('meeting', 'an Attendance Panel Meeting', '2025-10-15', false),
          contact('homeVisit', 'a home visit', '2025-10-22', false),
        ],
      },
    }),
    S({
      id: 'illness',
      title: 'Stage Three with every absence illness (no penalty notice possible)',
      pattern: 'stageTwoIllness',
      story: {
        route: 'escalated',
        earlier: [
          contact('letter', 'a letter', '2025-10-06'),
          contact('meeting', 'an Attendance Panel Meeting', '2025-10-15', true),
        ],
      },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageThree' }),
  ],
  'five-stage/attendance-reminder': [
    S({
      id: 'lates',
      title: 'Opened at Stage Two: late arrivals and a session with no reason',
      pattern: 'latesAndNoReason',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'unauthorised',
      title: 'Opened at Stage Two: one unauthorised session',
      pattern: 'oneUnauthorised',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'illness',
      title: 'Opened at Stage Two: every absence was illness',
      pattern: 'near95Illness',
      story: { route: 'opened', earlier: [] },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'latesAndNoReason' }),
  ],
  'five-stage/attendance-meeting': [
    S({
      id: 'escalated',
      title: 'Up from Stage Two, after the reminder letter',
      pattern: 'stageOne',
      story: { route: 'escalated', earlier: [contact('letter', 'a letter', '2025-10-13')] },
      meeting: SCHOOL_MEETING,
    }),
    S({
      id: 'opened',
      title: 'Opened at Stage Three (90-93%)',
      pattern: 'stageOne',
      story: { route: 'opened', earlier: [] },
      meeting: SCHOOL_MEETING,
    }),
    S({
      id: 'stepped-down',
      title: 'Stepped down from Stage Four',
      pattern: 'improved',
      story: { route: 'steppedDown', earlier: [contact('meeting', 'a meeting', '2025-10-14', true)] },
      meeting: SCHOOL_MEETING,
    }),
    S({
      id: 'no-figures',
      title: 'An invitation sent without figures',
      pattern: 'stageOne',
      story: { route: 'opened', earlier: [] },
      meeting: SCHOOL_MEETING,
      noFigures: true,
    }),
  ],
  'five-stage/attendance-plan': [
    S({
      id: 'after-meeting',
      title: 'After the meeting in school',
      pattern: 'stageOne',
      story: {
        route: 'continuing',
        earlier: [
          contact('letter', 'a letter', '2025-10-13'),
          contact('meeting', 'a meeting', '2025-11-12', true),
        ],
      },
    }),
    S({
      id: 'missed-meeting',
      title: 'The family could not come to the meeting',
      pattern: 'stageOne',
      story: { route: 'continuing', earlier: [contact('meeting', 'a meeting', '2025-11-12', false)] },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageOne' }),
  ],
  'five-stage/plan-review-meeting': [
    S({
      id: 'escalated',
      title: 'Stage Four after the plan, no improvement',
      pattern: 'stageTwo',
      story: {
        route: 'escalated',
        earlier: [
          contact('letter', 'a letter', '2025-09-22'),
          contact('meeting', 'a meeting', '2025-10-06', true),
        ],
      },
      meeting: SCHOOL_MEETING,
    }),
    S({
      id: 'opened',
      title: 'Opened at Stage Four (below 90%): no plan yet',
      pattern: 'stageTwo',
      story: { route: 'opened', earlier: [] },
      meeting: SCHOOL_MEETING,
    }),
    S({
      id: 'no-figures',
      title: 'An invitation sent without figures',
      pattern: 'stageTwo',
      meeting: SCHOOL_MEETING,
      noFigures: true,
    }),
  ],
  'five-stage/la-notification': [
    S({
      id: 'escalated',
      title: 'Stage Five after the plan and its review',
      pattern: 'stageThree',
      story: {
        route: 'escalated',
        earlier: [
          contact('letter', 'a letter', '2025-09-22'),
          contact('meeting', 'a meeting', '2025-10-06', true),
          contact('meeting', 'a meeting', '2025-11-10', false),
        ],
      },
    }),
    S({
      id: 'illness',
      title: 'Stage Five, every absence illness (no penalty notice possible)',
      pattern: 'stageTwoIllness',
      story: { route: 'escalated', earlier: [contact('meeting', 'a meeting', '2025-10-06', true)] },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageThree' }),
  ],
  'generic-letter': [
    S({
      id: 'opened',
      title: 'Opened: first contact',
      pattern: 'stageTwo',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'escalated',
      title: 'Escalated after earlier contact',
      pattern: 'stageTwo',
      story: { route: 'escalated', earlier: BRADFORD_STAGE_TWO_EARLIER },
    }),
    S({
      id: 'stepped-down',
      title: 'Stepped down: attendance has improved',
      pattern: 'improved',
      story: { route: 'steppedDown', earlier: BRADFORD_STAGE_ONE_EARLIER },
    }),
    S({
      id: 'illness',
      title: 'Every absence was illness',
      pattern: 'stageTwoIllness',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'meeting',
      title: 'With a meeting booked',
      pattern: 'stageOne',
      story: {
        route: 'continuing',
        earlier: [contact('letter', 'a letter', '2025-11-04')],
        meeting: SCHOOL_MEETING,
      },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageTwo' }),
  ],
  'generic-message': [
    S({ id: 'opened', title: 'Opened', pattern: 'near95', story: { route: 'opened', earlier: [] } }),
    S({
      id: 'illness',
      title: 'Every absence was illness',
      pattern: 'near95Illness',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'stepped-down',
      title: 'Stepped down: attendance has improved',
      pattern: 'improved',
      story: { route: 'steppedDown', earlier: [] },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'near95' }),
  ],
  'generic-meeting-invite': [
    S({
      id: 'meeting',
      title: 'A meeting in school',
      pattern: 'stageOne',
      story: { route: 'continuing', earlier: [contact('letter', 'a letter', '2025-11-04')] },
      meeting: SCHOOL_MEETING,
    }),
    S({
      id: 'home-visit',
      title: 'A home visit',
      pattern: 'stageTwo',
      story: { route: 'continuing', earlier: [contact('letter', 'a letter', '2025-11-04')] },
      meeting: HOME_VISIT,
    }),
    S({
      id: 'no-figures',
      title: 'Sent without figures or a story',
      pattern: 'stageOne',
      meeting: SCHOOL_MEETING,
      noFigures: true,
    }),
  ],
  'three-letter/letter-1': [
    S({ id: 'opened', title: 'First concern', pattern: 'stageOne', story: { route: 'opened', earlier: [] } }),
    S({
      id: 'illness',
      title: 'First concern, every absence illness',
      pattern: 'stageOneIllness',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'one-unauthorised',
      title: 'First concern, one unauthorised session',
      pattern: 'oneUnauthorised',
      story: { route: 'opened', earlier: [] },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageOne' }),
  ],
  'three-letter/letter-2': [
    S({
      id: 'escalated',
      title: 'After letter 1, with the meeting booked',
      pattern: 'stageTwo',
      story: {
        route: 'escalated',
        earlier: [contact('letter', 'a letter', '2025-10-20')],
        meeting: SCHOOL_MEETING,
      },
    }),
    S({
      id: 'no-meeting-yet',
      title: 'After letter 1, the meeting not yet booked',
      pattern: 'stageTwo',
      story: { route: 'escalated', earlier: [contact('letter', 'a letter', '2025-10-20')] },
    }),
    S({
      id: 'opened',
      title: 'Opened at letter 2 (attendance already low)',
      pattern: 'stageTwo',
      story: { route: 'opened', earlier: [] },
    }),
    S({
      id: 'illness',
      title: 'After letter 1, every absence illness',
      pattern: 'stageTwoIllness',
      story: { route: 'escalated', earlier: [contact('letter', 'a letter', '2025-10-20')] },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageTwo' }),
  ],
  'notice-to-improve': [
    S({
      id: 'notice',
      title: 'A notice to improve after letters and a meeting: a penalty notice is possible',
      pattern: 'stageThree',
      story: { route: 'escalated', earlier: LETTERS_AND_MEETING, noticeToImprove: NOTICE },
    }),
    S({
      id: 'first-contact',
      title: 'A notice to improve as the first letter on the case, one unauthorised session allowed',
      pattern: 'stageThree',
      story: {
        route: 'opened',
        earlier: [],
        noticeToImprove: { ...NOTICE, maxUnauthorised: 1, maxUnexplained: null, support: [] },
      },
    }),
  ],
  'three-letter/letter-3': [
    S({
      id: 'notice',
      title: 'Letter 3 as a notice to improve (three-letter system, version 2)',
      pattern: 'stageThree',
      story: { route: 'escalated', earlier: LETTERS_AND_MEETING, noticeToImprove: NOTICE },
    }),
    S({
      id: 'met',
      title: 'After letters 1 and 2 and the meeting: a penalty notice is possible',
      pattern: 'stageThree',
      story: {
        route: 'escalated',
        earlier: [
          contact('letter', 'a letter', '2025-10-06'),
          contact('letter', 'a letter', '2025-10-20'),
          contact('meeting', 'a meeting', '2025-11-03', true),
        ],
      },
    }),
    S({
      id: 'missed-meeting',
      title: 'The family did not come to the meeting',
      pattern: 'stageThree',
      story: {
        route: 'escalated',
        earlier: [
          contact('letter', 'a letter', '2025-10-06'),
          contact('letter', 'a letter', '2025-10-20'),
          contact('meeting', 'a meeting', '2025-11-03', false),
        ],
      },
    }),
    S({
      id: 'illness',
      title: 'Every absence illness: no penalty notice possible',
      pattern: 'stageTwoIllness',
      story: {
        route: 'escalated',
        earlier: [contact('letter', 'a letter', '2025-10-06'), contact('letter', 'a letter', '2025-10-20')],
      },
    }),
    S({
      id: 'severe',
      title: 'Attendance below half (28%)',
      pattern: 'severe',
      story: {
        route: 'escalated',
        earlier: [contact('letter', 'a letter', '2025-10-06'), contact('letter', 'a letter', '2025-10-20')],
      },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageThree' }),
  ],
  'three-letter/referral-notice': [
    S({
      id: 'penalty',
      title: 'Referred for a penalty notice',
      pattern: 'stageThree',
      story: {
        route: 'continuing',
        earlier: [
          contact('letter', 'a letter', '2025-10-06'),
          contact('letter', 'a letter', '2025-10-20'),
          contact('letter', 'a letter', '2025-11-10'),
        ],
      },
    }),
    S({
      id: 'support',
      title: 'Referred for support (no penalty notice possible)',
      pattern: 'stageTwoIllness',
      story: {
        route: 'continuing',
        earlier: [contact('letter', 'a letter', '2025-10-06'), contact('letter', 'a letter', '2025-10-20')],
      },
    }),
    S({ id: 'no-story', title: 'Engine 1 (no story)', pattern: 'stageThree' }),
  ],
};

export interface RenderedExample {
  templateId: string;
  scenario: Scenario;
  kind: 'letter' | 'message';
  subject: string;
  /** Exactly what the family gets: the whole letter (date, greeting, body, signature) or the message. */
  text: string;
  /** The letter's body (what the readability score is taken on). */
  body: string;
  figures: LetterFiguresInput | null;
  story: LetterStory | null;
  readingEase: number;
}

export function mergeInputFor(scenario: Scenario): LetterMergeInput {
  const facts = exampleFacts(scenario.pattern);
  const story: LetterStory | undefined = scenario.story
    ? {
        route: scenario.story.route,
        earlier: scenario.story.earlier,
        ...(scenario.story.meeting ? { meeting: scenario.story.meeting } : {}),
        ...(scenario.story.noticeToImprove ? { noticeToImprove: scenario.story.noticeToImprove } : {}),
        absence: absenceOf(facts),
        localAuthority: EXAMPLE_SCHOOL.localAuthority ?? null,
      }
    : undefined;
  return {
    pupil: EXAMPLE_PUPIL,
    carers: EXAMPLE_CARERS,
    schoolName: EXAMPLE_SCHOOL.name,
    localAuthority: EXAMPLE_SCHOOL.localAuthority ?? null,
    date: EXAMPLE_DATE,
    ...(scenario.noFigures ? {} : { figures: letterFigures(facts) }),
    ...(story ? { story } : {}),
    ...(scenario.meeting ? { meeting: scenario.meeting } : {}),
    signature: EXAMPLE_SIGNATURE,
  };
}

export function renderExample(template: LetterTemplate, scenario: Scenario): RenderedExample {
  const input = mergeInputFor(scenario);
  const merge = buildLetterMerge(input);
  const base = {
    templateId: template.id,
    scenario,
    figures: input.figures ?? null,
    story: input.story ?? null,
  };
  if (template.kind === 'message') {
    const out = renderMessage({ template, merge });
    return {
      ...base,
      kind: 'message',
      subject: out.subject,
      text: out.text,
      body: out.text,
      readingEase: readingEase(out.text),
    };
  }
  const out = renderLetter({ template, merge });
  const body = out.blocks
    .map((b) => (b.type === 'paragraph' ? b.text : b.items.join('\n')))
    .join('\n\n')
    .replace(/\*\*/g, '');
  return {
    ...base,
    kind: 'letter',
    subject: out.subject,
    text: out.text,
    body,
    readingEase: readingEase(body),
  };
}

/** Every default template, each rendered for each of its scenarios. */
export function renderAllExamples(dir?: string): RenderedExample[] {
  const out: RenderedExample[] = [];
  for (const id of listDefaultTemplateIds(dir)) {
    const template = loadDefaultTemplate(id, dir);
    if (!template) continue;
    for (const scenario of SCENARIOS[id] ?? []) out.push(renderExample(template, scenario));
  }
  return out;
}

/** One Markdown file per template: docs/letters/<template id>.md, and an index. */
export function exampleDocs(dir?: string): Map<string, string> {
  const byTemplate = new Map<string, RenderedExample[]>();
  for (const r of renderAllExamples(dir)) {
    byTemplate.set(r.templateId, [...(byTemplate.get(r.templateId) ?? []), r]);
  }
  const files = new Map<string, string>();
  const index: string[] = [
    '# Letters and messages, as families get them',
    '',
    'Generated by `npm run letters:docs` from `policies/templates/` with the real merge and render functions; do not edit by hand. `test/letters/docs.test.ts` fails when a template or the merge changes without these files being regenerated, and checks every letter below with `problemsForParents` and the reading-ease threshold.',
    '',
    `Every example is for a made-up pupil, ${EXAMPLE_PUPIL.givenName} ${EXAMPLE_PUPIL.familyName} (Year ${EXAMPLE_PUPIL.yearGroup}), at a made-up school, ${EXAMPLE_SCHOOL.name} (${EXAMPLE_SCHOOL.localAuthority}), on Friday 21 November 2025. The figures are computed from register marks by the real domain code.`,
    '',
  ];
  for (const [id, rendered] of byTemplate) {
    const kind = rendered[0]!.kind;
    index.push(`- [\`${id}\`](${id}.md), a ${kind}: ${rendered.map((r) => r.scenario.title).join('; ')}.`);
    const lines: string[] = [
      `# \`${id}\``,
      '',
      `A ${kind}, from \`policies/templates/${id}.md\`. Generated by \`npm run letters:docs\`; do not edit by hand.`,
      '',
    ];
    rendered.forEach((r, i) => {
      lines.push(
        `## ${i + 1}. ${r.scenario.title}`,
        '',
        describe(r),
        '',
        `**Subject:** ${r.subject}`,
        '',
        '```text',
        r.text,
        '```',
        '',
      );
    });
    files.set(`${id}.md`, lines.join('\n'));
  }
  files.set('README.md', [...index, ''].join('\n'));
  return files;
}

function describe(r: RenderedExample): string {
  const parts: string[] = [];
  if (r.story) {
    parts.push(`Route \`${r.story.route}\``);
    parts.push(
      r.story.earlier.length
        ? `earlier: ${r.story.earlier.map((c) => `${c.kind} ${c.date}${c.attended === undefined ? '' : c.attended ? ' (came)' : ' (did not come)'}`).join(', ')}`
        : 'no earlier contact',
    );
    parts.push(
      r.story.absence.illnessOnly
        ? 'illness only'
        : `penalty notice ${r.story.absence.penaltyPossible ? 'possible' : 'not possible'}`,
    );
  } else {
    parts.push('No story (engine 1): the letter claims no history');
  }
  if (r.figures) {
    parts.push(
      `attendance ${r.figures.attendancePct}%, ${r.figures.sessionsMissed} sessions missed (${r.figures.illnessSessions} illness, ${r.figures.unexplained} no reason yet, ${r.figures.unauthorised - r.figures.unexplained} unauthorised)`,
    );
  } else {
    parts.push('no figures');
  }
  parts.push(`reading ease ${r.readingEase}`);
  return `${parts.join('; ')}.`;
}
