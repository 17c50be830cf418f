// Deterministic synthetic schools: a calendar, a roster and a year of register marks with a
// realistic shape (most pupils 95-100%, a persistent-absence tail of about a fifth, a few severe,
// illness in short clusters, some lates, N marks that are mostly re-coded a few days later).
// The demo school is made from it (demoSchool.ts); the benchmarks (scripts/bench/) borrow it for
// 100,000 pupils straight into blobs, and `tsx scripts/bench/synthetic.ts` writes it as CSV files.
//
// Pupil i is the same whatever the number of pupils asked for (each pupil has its own seed).
import { buildCalendar, toDayNumber, weekdayOf, type SchoolCalendar } from '../../domain/calendar';
import { CODE_LIST, codeId } from '../../domain/marks';
import type { PupilFlag, SchoolCalendarFile } from '../../domain/types';
import { upnCheckLetter } from '../../store/validate';

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: tiny, fast, good enough for test data. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pupilSeed(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ index, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Calendar

/** An English 2024-25 school year: 190 school days (195 less 5 INSET days and one bank holiday). */
export function syntheticCalendarFile(
  school: string,
  name = `Synthetic school ${school} 2024-25`,
): SchoolCalendarFile {
  return {
    school,
    name,
    lessonsPerDay: 5,
    terms: [
      {
        name: 'Autumn 2024',
        start: '2024-09-02',
        end: '2024-12-20',
        halfTerm: { start: '2024-10-28', end: '2024-11-01' },
      },
      {
        name: 'Spring 2025',
        start: '2025-01-06',
        end: '2025-04-04',
        halfTerm: { start: '2025-02-17', end: '2025-02-21' },
      },
      {
        name: 'Summer 2025',
        start: '2025-04-22',
        end: '2025-07-22',
        halfTerm: { start: '2025-05-26', end: '2025-05-30' },
      },
    ],
    // INSET days and the May bank holidays.
    closures: ['2024-09-02', '2024-09-03', '2024-11-04', '2025-01-06', '2025-05-05', '2025-07-22'],
  };
}

// ---------------------------------------------------------------------------------------------
// Pupils

const GIVEN = [
  'Amira',
  'Ben',
  'Chloe',
  'Daniel',
  'Ella',
  'Farhan',
  'Grace',
  'Harry',
  'Isla',
  'Jack',
  'Keira',
  'Leo',
  'Maya',
  'Noah',
  'Olivia',
  'Priya',
  'Oscar',
  'Ruby',
  'Sami',
  'Tia',
  'Umar',
  'Poppy',
  'Will',
  'Zara',
];
const FAMILY = [
  'Ahmed',
  'Brown',
  'Clarke',
  'Davies',
  'Evans',
  'Foster',
  'Green',
  'Hughes',
  'Iqbal',
  'Jones',
  'Khan',
  'Lewis',
  'Morris',
  'Novak',
  "O'Brien",
  'Patel',
  'Quinn',
  'Roberts',
  'Smith',
  'Taylor',
  'Walker',
  'Young',
];

export interface SyntheticPupil {
  index: number;
  upn: string;
  givenName: string;
  familyName: string;
  yearGroup: number;
  dateOfBirth: string;
  flags: PupilFlag[];
  /** `address`: made-up lines in the fictional town of Northshire; `postcode` in a valid format. */
  contacts: { name: string; email: string; phone: string; address: string[]; postcode: string }[];
  profile: AbsenceProfile;
  /** Census codes, for the dashboard's breakdowns: F/M; N none, K SEN support, E EHC plan. */
  sex: 'F' | 'M';
  sen: 'N' | 'K' | 'E';
  pupilPremium: boolean;
}

/** The sex that goes with each given name above, so a Ben is never recorded as F. */
const FEMALE_NAMES = new Set([
  'Amira',
  'Chloe',
  'Ella',
  'Grace',
  'Isla',
  'Keira',
  'Maya',
  'Olivia',
  'Priya',
  'Ruby',
  'Tia',
  'Poppy',
  'Zara',
]);

export type AbsenceProfile = 'good' | 'borderline' | 'persistent' | 'severe';

const STREETS = [
  'Acacia Row',
  'Bramble Lane',
  'Copper Beech Close',
  'Dovecote Road',
  'Elderflower Way',
  'Foxglove Street',
  'Goosefeather Lane',
  'Hazelnut Grove',
  'Ivy Bank',
  'Juniper Walk',
  'Kestrel Rise',
  'Larkspur Crescent',
];
const LOCALITIES = ['Oakwood', 'Little Marston', 'Fernby', 'Hollowmere', 'Upper Wendle'];
/** The letters a postcode's last two places may use (never C, I, K, M, O or V). */
const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

/**
 * A made-up postal address in the fictional town of Northshire, from the pupil's index alone (no
 * draw from the pupil's random numbers, so no other value moves). "NS" is not a UK postcode area, so
 * the postcodes are well formed and belong to nobody.
 */
export function syntheticAddress(index: number): { address: string[]; postcode: string } {
  const house = 1 + ((index * 37) % 148);
  const street = STREETS[(index * 7) % STREETS.length]!;
  const locality = LOCALITIES[index % LOCALITIES.length]!;
  const district = 1 + (index % LOCALITIES.length) * 2 + (index % 2);
  const a = INWARD_LETTERS[(index * 3) % INWARD_LETTERS.length]!;
  const b = INWARD_LETTERS[(index * 11 + 5) % INWARD_LETTERS.length]!;
  return {
    address: [`${house} ${street}`, locality, 'Northshire'],
    postcode: `NS${district} ${(index * 13) % 10}${a}${b}`,
  };
}

/** A permanent UPN with a correct check letter; unique per (school number, index). */
export function syntheticUpn(schoolNumber: number, index: number): string {
  const digits = String(820_000_000_000 + (schoolNumber % 1000) * 100_000_000 + index).slice(-12);
  return upnCheckLetter(digits) + digits;
}

export function syntheticPupil(seed: number, schoolNumber: number, index: number): SyntheticPupil {
  const rng = mulberry32(pupilSeed(seed, index));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const givenName = pick(GIVEN);
  const familyName = pick(FAMILY);
  const yearGroup = 1 + Math.floor(rng() * 11);
  const birthYear = 2024 - yearGroup - 5;
  const month = 1 + Math.floor(rng() * 12);
  const day = 1 + Math.floor(rng() * 28);
  // September birthdays belong to the year group below: keep the academic year consistent.
  const dobYear = month >= 9 ? birthYear - 1 : birthYear;
  const r = rng();
  const profile: AbsenceProfile =
    r < 0.72 ? 'good' : r < 0.79 ? 'borderline' : r < 0.975 ? 'persistent' : 'severe';
  const flags: PupilFlag[] = [];
  const weight = profile === 'good' ? 1 : profile === 'borderline' ? 1.5 : 3;
  if (rng() < 0.04 * weight) flags.push('cin');
  if (rng() < 0.01 * weight) flags.push('cp');
  // SEN provision (the census code), a little likelier among the pupils who miss more school, as
  // nationally: about 15% SEN support and 3% EHC plans across the roll (the weights average ~1.46).
  // The send and ehcp flags follow it. The same two draws as before, so no other value moves.
  const senSupport = rng() < 0.106 * weight;
  const ehcPlan = rng() < 0.021 * weight;
  const sen = ehcPlan ? 'E' : senSupport ? 'K' : 'N';
  if (sen !== 'N') flags.push('send');
  if (sen === 'E') flags.push('ehcp');
  if (rng() < 0.007 * weight) flags.push('lac');
  if (rng() < 0.02 * weight) flags.push('young_carer');
  const parent = `${pick(['Sam', 'Alex', 'Jo', 'Chris', 'Pat', 'Nadia', 'Ravi', 'Helen'])} ${familyName}`;
  const slug = `${parent.split(' ')[0]!.toLowerCase()}.${familyName.toLowerCase().replace(/[^a-z]/g, '')}${index}`;
  const contacts = [
    {
      name: parent,
      email: `${slug}@example.org`,
      phone: `07700 9${String(index % 100000).padStart(5, '0')}`,
      ...syntheticAddress(index),
    },
  ];
  // Drawn last, so every value above is what it always was. Pupil premium about a quarter of the roll,
  // likelier among those who miss more school (the weights average ~1.25).
  const ppWeight = profile === 'good' ? 1 : profile === 'borderline' ? 1.5 : 2;
  const pupilPremium = rng() < 0.21 * ppWeight;
  return {
    index,
    upn: syntheticUpn(schoolNumber, index),
    givenName,
    familyName,
    yearGroup,
    dateOfBirth: `${dobYear}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    flags,
    contacts,
    profile,
    sex: FEMALE_NAMES.has(givenName) ? 'F' : 'M',
    sen,
    pupilPremium,
  };
}

// ---------------------------------------------------------------------------------------------
// Marks

const ID = Object.fromEntries(CODE_LIST.slice(1).map((c) => [c, codeId(c)])) as Record<string, number>;
const AM_PRESENT = ID['/']!;
const PM_PRESENT = ID['\\']!;

/** Per-calendar facts the mark generator needs, computed once. */
export interface MarkPlan {
  calendar: SchoolCalendar;
  /** ISO date of each school day. */
  days: readonly string[];
  /** 0 = Monday ... 4 = Friday. */
  weekday: Uint8Array;
  /** 1 when the day is beside a holiday. */
  besideHoliday: Uint8Array;
}

export function markPlan(calendar: SchoolCalendar): MarkPlan {
  const days = calendar.index.iso;
  return {
    calendar,
    days,
    weekday: Uint8Array.from(days, (d) => weekdayOf(d)),
    besideHoliday: Uint8Array.from(days, (d) => (calendar.isBesideHoliday(d) ? 1 : 0)),
  };
}

export interface PupilMarks {
  /** Code id per session as first entered: index = schoolDay * 2 + (PM ? 1 : 0). */
  initial: Uint8Array;
  /** After N marks were chased and re-coded (most N become I, O or G; recent ones stay N). */
  final: Uint8Array;
}

/**
 * A year of marks for one pupil. Absence arrives in episodes: illness (1-3 days, both sessions),
 * single unauthorised days (Mondays and Fridays more likely for the persistent tail), a week's
 * holiday in term time for some, medical appointments (one session), long unauthorised runs for
 * the severe. Lates are L (before the register closed) and a few U.
 */
export function syntheticMarks(seed: number, pupil: SyntheticPupil, plan: MarkPlan): PupilMarks {
  const rng = mulberry32(pupilSeed(seed ^ 0x5bd1e995, pupil.index));
  const n = plan.days.length;
  const initial = new Uint8Array(n * 2);
  const final = new Uint8Array(n * 2);
  const profile = pupil.profile;
  const rate =
    profile === 'good'
      ? 0.003 + 0.04 * rng()
      : profile === 'borderline'
        ? 0.05 + 0.05 * rng()
        : profile === 'persistent'
          ? 0.1 + 0.2 * rng() * rng() + 0.02 * rng()
          : 0.5 + 0.35 * rng();
  const illnessShare =
    profile === 'good' ? 0.7 : profile === 'borderline' ? 0.6 : profile === 'persistent' ? 0.45 : 0.2;
  const lateRate = profile === 'good' ? 0.01 * rng() : 0.02 + 0.06 * rng();
  const lateAfterRate = lateRate * (profile === 'good' ? 0.1 : 0.3);
  const clusters = profile === 'persistent' && rng() < 0.4; // Monday/Friday pattern
  const holidayDay = rng() < (profile === 'good' ? 0.08 : 0.25) ? Math.floor(rng() * (n - 5)) : -1;
  // Episode starts per day so that absence sessions ~ rate (mean episode ~1.6 days).
  const startProb = rate / (profile === 'severe' ? 4 : 1.6);
  const sessions = (d: number, code: number, am = true, pm = true): void => {
    if (am) initial[2 * d] = code;
    if (pm) initial[2 * d + 1] = code;
  };
  let d = 0;
  while (d < n) {
    if (d === holidayDay) {
      for (let k = 0; k < 5 && d < n; k++, d++) sessions(d, ID.G!);
      continue;
    }
    let p = startProb;
    if (clusters && (plan.weekday[d] === 0 || plan.weekday[d] === 4)) p *= 2.2;
    else if (clusters) p *= 0.3;
    if (plan.besideHoliday[d]) p *= 1.3;
    if (rng() < p) {
      const kind = rng();
      if (kind < illnessShare) {
        const len = 1 + (rng() < 0.45 ? 1 : 0) + (rng() < 0.2 ? 1 : 0);
        for (let k = 0; k < len && d < n; k++, d++) sessions(d, ID.I!);
        continue;
      }
      if (kind < illnessShare + 0.08) {
        const am = rng() < 0.5;
        sessions(d, ID.M!, am, !am);
        if (am) initial[2 * d + 1] = PM_PRESENT;
        else initial[2 * d] = AM_PRESENT;
        d++;
        continue;
      }
      // Unauthorised: first entered as N (reason not yet provided).
      const len = profile === 'severe' ? 2 + Math.floor(rng() * 8) : 1;
      for (let k = 0; k < len && d < n; k++, d++) sessions(d, ID.N!);
      continue;
    }
    const r = rng();
    initial[2 * d] = r < lateAfterRate ? ID.U! : r < lateAfterRate + lateRate ? ID.L! : AM_PRESENT;
    initial[2 * d + 1] = rng() < 0.004 ? ID.V! : PM_PRESENT;
    d++;
  }
  // Chasing N: most are re-coded within a week; the last week's N are still open.
  final.set(initial);
  for (let s = 0; s < n * 2; s += 2) {
    if (initial[s] !== ID.N || s >= (n - 5) * 2) continue;
    const r = rng();
    const code = r < 0.15 ? ID.N! : r < 0.55 ? ID.I! : r < 0.85 ? ID.O! : ID.G!;
    final[s] = code;
    if (initial[s + 1] === ID.N) final[s + 1] = code;
  }
  return { initial, final };
}

// ---------------------------------------------------------------------------------------------
// Whole schools as files (demo data)

export interface SyntheticSchoolFiles {
  calendar: SchoolCalendarFile;
  rosterCsv: string;
  /** Marks as first entered. */
  marksCsv: string;
  /** The later re-codes of N marks (import after marksCsv: later marks win and are audited). */
  recodesCsv: string;
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function syntheticSchoolFiles(options: {
  school: string;
  pupils: number;
  seed?: number;
  /** Only marks up to this date (default: the whole year). */
  until?: string;
}): SyntheticSchoolFiles {
  const seed = options.seed ?? 1;
  const schoolNumber = Number(options.school.replace(/\D/g, '').slice(-3) || '1');
  const calendar = syntheticCalendarFile(options.school);
  const plan = markPlan(buildCalendar(calendar));
  const lastDay = options.until ? toDayNumber(options.until) : Infinity;
  const roster = [
    'upn,given_name,family_name,year_group,date_of_birth,contact1_name,contact1_email,contact1_phone,contact2_name,contact2_email,contact2_phone,flags,sex,sen,pupil_premium',
  ];
  const marks = ['upn,date,session,code'];
  const recodes = ['upn,date,session,code'];
  for (let i = 0; i < options.pupils; i++) {
    const p = syntheticPupil(seed, schoolNumber, i);
    const c = p.contacts[0]!;
    roster.push(
      [
        p.upn,
        p.givenName,
        p.familyName,
        String(p.yearGroup),
        p.dateOfBirth,
        c.name,
        c.email,
        c.phone,
        '',
        '',
        '',
        p.flags.join(';'),
        p.sex,
        p.sen,
        p.pupilPremium ? 'Y' : 'N',
      ]
        .map(csvField)
        .join(','),
    );
    const m = syntheticMarks(seed, p, plan);
    for (let d = 0; d < plan.days.length; d++) {
      const date = plan.days[d]!;
      if (toDayNumber(date) > lastDay) break;
      for (let s = 0; s < 2; s++) {
        const session = s === 0 ? 'AM' : 'PM';
        marks.push(`${p.upn},${date},${session},${CODE_LIST[m.initial[2 * d + s]!]}`);
        if (m.final[2 * d + s] !== m.initial[2 * d + s]) {
          recodes.push(`${p.upn},${date},${session},${CODE_LIST[m.final[2 * d + s]!]}`);
        }
      }
    }
  }
  return {
    calendar,
    rosterCsv: roster.join('\n') + '\n',
    marksCsv: marks.join('\n') + '\n',
    recodesCsv: recodes.join('\n') + '\n',
  };
}
